import Foundation
import PlaybookEngine
import PlaybookPostgres
import PlaybookTestSupport
import PostgresNIO
import Testing

/// The PostgreSQL server the tests use: `PLAYBOOK_TEST_POSTGRES` (scripts/test starts a
/// throwaway cluster on loopback and sets it). Without it the PostgreSQL tests are skipped —
/// unless `PLAYBOOK_TEST_POSTGRES_REQUIRED` is set (CI), where its absence is a failure.
enum TestPostgres {
    static let url: String? = ProcessInfo.processInfo.environment["PLAYBOOK_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["PLAYBOOK_TEST_POSTGRES_REQUIRED"].map { !$0.isEmpty && $0 != "0" } ?? false
    static var available: Bool { url != nil }
    static let skipNote: Comment =
        "PLAYBOOK_TEST_POSTGRES is not set: PostgreSQL tests skipped (bash scripts/test starts a throwaway server and runs them)"

    /// A new, empty database on the test server, as a URL; each test gets its own.
    static func freshDatabase() async throws -> String {
        let server = try PostgresLocation(url: try #require(url))
        let name = "pb_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: server.host, port: server.port, username: server.user, password: nil, database: server.database, tls: .disable),
            id: 1, logger: .init(label: "test"))
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: .init(label: "test"))
        return "postgres://\(server.user)@\(server.host):\(server.port)/\(name)"
    }

    /// Runs SQL on a test database directly (to fake a newer schema, count rows...).
    static func execute(_ url: String, _ sql: String) async throws -> [[String]] {
        let location = try PostgresLocation(url: url)
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: location.host, port: location.port, username: location.user, password: nil, database: location.database, tls: .disable),
            id: 2, logger: .init(label: "test"))
        var out: [[String]] = []
        do {
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "test")) {
                out.append(row.map { cell in (try? cell.decode(String.self)) ?? "" })
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        return out
    }
}

/// In CI the PostgreSQL tests must run: a missing server fails here instead of skipping quietly.
@Suite struct PostgresAvailability {
    @Test func theServerIsThereWhenRequired() {
        if TestPostgres.required {
            #expect(TestPostgres.available, "PLAYBOOK_TEST_POSTGRES_REQUIRED is set but PLAYBOOK_TEST_POSTGRES is not: the PostgreSQL tests would be skipped")
        } else if !TestPostgres.available {
            print("note: \(TestPostgres.skipNote)")
        }
    }
}

/// The two journals, for tests that every implementation must pass.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// The backends this run can test: PostgreSQL only with a server.
    static var testable: [Backend] { TestPostgres.available ? [.sqlite, .postgres] : [.sqlite] }

    func open() async throws -> any Journal {
        switch self {
        case .sqlite:
            return try SQLiteJournal(directory: TestScratch.root.appendingPathComponent("journal-\(UUID().uuidString)").path)
        case .postgres:
            return try await PostgresJournal.open(try await TestPostgres.freshDatabase())
        }
    }
}
