import Foundation
import PlaybookCore
import VaporCSQLite

/// A thin synchronous wrapper over SQLite's C API (the copy vendored by sqlite-nio, so no system
/// library is needed). Owned by one actor (`Journal`); not thread-safe by itself.
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    let path: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    convenience init(path: String) throws(Failure) {
        try self.init(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX)
    }

    init(path: String, flags: Int32) throws(Failure) {
        self.path = path
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "error \(status)"
            sqlite_nio_sqlite3_close(handle)
            handle = nil
            throw Failure(description: "cannot open state database \(path): \(message)")
        }
        sqlite_nio_sqlite3_busy_timeout(handle, 5_000)
    }

    deinit { close() }

    /// Finalizes the cached statements and closes the connection (a cursor must be finished
    /// first: SQLite keeps a connection with an open statement, and its file, open).
    func close() {
        guard handle != nil else { return }
        for statement in cache.values { sqlite_nio_sqlite3_finalize(statement) }
        cache.removeAll()
        recent.removeAll()
        sqlite_nio_sqlite3_close(handle)
        handle = nil
    }

    private var errorMessage: String { String(cString: sqlite_nio_sqlite3_errmsg(handle)) }
    var handleForCursor: OpaquePointer? { handle }

    func execute(_ sql: String) throws(Failure) {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite_nio_sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? errorMessage
            sqlite_nio_sqlite3_free(error)
            throw Failure(description: "state database: \(message)")
        }
    }

    /// A value bound to a statement parameter or read from a column.
    enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)

        var text: String? {
            if case .text(let t) = self { return t }
            return nil
        }

        var double: Double? {
            switch self {
            case .real(let d): return d
            case .integer(let i): return Double(i)
            default: return nil
            }
        }

        var int: Int? {
            switch self {
            case .integer(let i): return Int(i)
            case .real(let d): return Int(saturating: d)
            default: return nil
            }
        }
    }

    private var cache: [String: OpaquePointer] = [:]
    /// The statements used last, looked at before `cache`: a fan-out runs the same two
    /// statements (a delivery's insert, its mark) tens of thousands of times, and comparing a
    /// statement's text with the same literal's is cheaper than hashing it each time.
    private var recent: [(sql: String, statement: OpaquePointer)] = []

    private func statement(_ sql: String) throws(Failure) -> OpaquePointer {
        if let cached = recent.first(where: { $0.sql == sql })?.statement ?? cache[sql] {
            sqlite_nio_sqlite3_reset(cached)
            sqlite_nio_sqlite3_clear_bindings(cached)
            remember(sql, cached)
            return cached
        }
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Failure(description: "state database: \(errorMessage) in \(sql)")
        }
        cache[sql] = statement
        remember(sql, statement)
        return statement
    }

    /// Puts `sql` first among the recent statements (four are kept).
    private func remember(_ sql: String, _ statement: OpaquePointer) {
        if recent.first?.statement == statement { return }
        recent.removeAll { $0.statement == statement }
        recent.insert((sql, statement), at: 0)
        if recent.count > 4 { recent.removeLast() }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func bind(_ values: [Value], to statement: OpaquePointer) {
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .null: sqlite_nio_sqlite3_bind_null(statement, position)
            case .integer(let i): sqlite_nio_sqlite3_bind_int64(statement, position, i)
            case .real(let d): sqlite_nio_sqlite3_bind_double(statement, position, d)
            case .text(let t): sqlite_nio_sqlite3_bind_text(statement, position, t, -1, Self.transient)
            }
        }
    }

    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ values: [Value] = []) throws(Failure) {
        let statement = try statement(sql)
        bind(values, to: statement)
        let status = sqlite_nio_sqlite3_step(statement)
        sqlite_nio_sqlite3_reset(statement)
        guard status == SQLITE_DONE || status == SQLITE_ROW else { throw Failure(description: "state database: \(errorMessage)") }
    }

    /// Rows changed by the last statement run (0 for an `INSERT OR IGNORE` that was ignored).
    var changes: Int { Int(sqlite_nio_sqlite3_changes(handle)) }

    /// Runs a query and returns its rows.
    func query(_ sql: String, _ values: [Value] = []) throws(Failure) -> [[Value]] {
        let statement = try statement(sql)
        bind(values, to: statement)
        defer { sqlite_nio_sqlite3_reset(statement) }
        var rows: [[Value]] = []
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw Failure(description: "state database: \(errorMessage)") }
            let count = sqlite_nio_sqlite3_column_count(statement)
            var row: [Value] = []
            row.reserveCapacity(Int(count))
            for column in 0..<count {
                switch sqlite_nio_sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row.append(.integer(sqlite_nio_sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: row.append(.real(sqlite_nio_sqlite3_column_double(statement, column)))
                case SQLITE_TEXT: row.append(.text(String(cString: sqlite_nio_sqlite3_column_text(statement, column))))
                default: row.append(.null)
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` in one transaction.
    func transaction(_ body: () throws(Failure) -> Void) throws(Failure) {
        try execute("BEGIN IMMEDIATE")
        do {
            try body()
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

extension SQLiteDatabase {
    /// Opens a database read-only (a contacts table written by another tool).
    convenience init(readOnly path: String) throws(Failure) {
        try self.init(path: path, flags: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX)
    }

    /// A query stepped one row at a time, so a large table is never held in memory.
    final class Cursor {
        private var statement: OpaquePointer?
        let columns: [String]

        fileprivate init(statement: OpaquePointer) {
            self.statement = statement
            columns = (0..<sqlite_nio_sqlite3_column_count(statement)).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        }

        deinit { finish() }

        /// Finalizes the statement; `next()` returns nil afterwards.
        func finish() {
            guard let statement else { return }
            sqlite_nio_sqlite3_finalize(statement)
            self.statement = nil
        }

        /// The next row as text (NULL as ""), or nil at the end.
        func next() -> [String]? {
            guard let statement, sqlite_nio_sqlite3_step(statement) == SQLITE_ROW else { return nil }
            return (0..<Int32(columns.count)).map { column in
                sqlite_nio_sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
            }
        }
    }

    func cursor(_ sql: String) throws(Failure) -> Cursor {
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v2(handleForCursor, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Failure(description: String(cString: sqlite_nio_sqlite3_errmsg(handleForCursor)))
        }
        return Cursor(statement: statement)
    }
}
