/// A stream of contacts, one at a time, whatever holds them (a CSV file, an SQLite table).
public protocol ContactReader {
    /// The next usable contact; rows that cannot be used are skipped, and every problem is
    /// recorded in `issues`.
    mutating func next() -> Contact?
    var issues: ContactIssues { get }
    /// Columns beyond the contract's (`contact.fields.*`).
    var extraColumns: [String] { get }
    /// Every column name, as the file has them (trimmed).
    var columnNames: [String] { get }
    /// Where the contact `next()` last returned was read: its line in a file (the header is
    /// line 1), its row in a database.
    var line: Int { get }
    func close()
}

extension ContactReader {
    /// Rows skipped as unusable.
    public var skippedCount: Int { issues.skippedRows }
}

extension ContactsFile: ContactReader {}

/// Opens the contacts a playbook names. Core reads CSV; the engine adds SQLite databases, which
/// Core cannot open without a database library. Which one a file is, is decided by its content
/// (an SQLite database starts with "SQLite format 3"), never by its name.
public struct ContactsOpener: Sendable {
    public let open: @Sendable (String) throws(ContactsFile.OpenError) -> any ContactReader

    public init(open: @escaping @Sendable (String) throws(ContactsFile.OpenError) -> any ContactReader) {
        self.open = open
    }

    /// CSV files only; an SQLite database is reported as not readable here.
    public static let csv = ContactsOpener { path throws(ContactsFile.OpenError) in
        if try isDatabase(path) { throw .unsupported(path, "is an SQLite database, which this command cannot read") }
        return try ContactsFile(path: path)
    }

    /// Opens the contacts with their layout: an export (`format:` / `columns:`) is a CSV file,
    /// read through its mapping; the native layout goes to `open`.
    public func open(_ path: String, layout: ContactsLayout) throws(ContactsFile.OpenError) -> any ContactReader {
        guard !layout.isNative else { return try open(path) }
        if try Self.isDatabase(path) { throw .unsupported(path, "is an SQLite database; an export named by 'format' or 'columns' is a CSV file") }
        return try ContactsFile(path: path, layout: layout)
    }

    /// Whether `path` holds an SQLite database, by its first bytes.
    public static func isDatabase(_ path: String) throws(ContactsFile.OpenError) -> Bool {
        do {
            return try DataFile.isSQLite(path)
        } catch {
            throw ContactsFile.OpenError(error, path: path)
        }
    }
}
