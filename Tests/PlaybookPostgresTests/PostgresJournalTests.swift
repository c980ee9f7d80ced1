import Foundation
import PlaybookEngine
import PlaybookPostgres
import Testing

/// What only the PostgreSQL journal has: versioned migrations on a server, refusal of a newer
/// schema, and one-line errors that never show the password.
@Suite(.enabled(if: TestPostgres.available, TestPostgres.skipNote)) struct PostgresJournalTests {
    @Test func aNewDatabaseIsMigratedOnceEvenByRunnersStartingTogether() async throws {
        let url = try await TestPostgres.freshDatabase()
        let journals = try await withThrowingTaskGroup(of: PostgresJournal.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresJournal.open(url) } }
            var out: [PostgresJournal] = []
            for try await journal in group { out.append(journal) }
            return out
        }
        #expect(try await journals[0].schemaVersionInDatabase() == PostgresJournal.schemaVersion)
        #expect(try await TestPostgres.execute(url, "SELECT count(*)::text FROM playbook_schema") == [["\(PostgresJournal.schemaVersion)"]])
        for journal in journals { await journal.close() }
    }

    @Test func aDatabaseFromANewerPlaybookIsRefused() async throws {
        let url = try await TestPostgres.freshDatabase()
        await (try await PostgresJournal.open(url)).close()
        _ = try await TestPostgres.execute(url, "INSERT INTO playbook_schema (version) VALUES (\(PostgresJournal.schemaVersion + 1))")
        await #expect {
            _ = try await PostgresJournal.open(url)
        } throws: { error in
            "\(error)".contains(
                "written by a newer playbook (schema \(PostgresJournal.schemaVersion + 1), this one knows \(PostgresJournal.schemaVersion)); refusing to touch it"
            )
        }
    }

    @Test func anUnreachableServerIsOneLineWithoutThePassword() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let port = try Self.closedPort()
        let started = Date()
        await #expect {
            _ = try await PostgresJournal.open("postgres://alice:hunter2-secret@127.0.0.1:\(port)/playbook")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("cannot connect to the state database postgres://alice@127.0.0.1:\(port)/playbook") && !text.contains("hunter2")
                && !text.contains("\n")
        }
        // Refused at once; even on a loaded machine, far below anything like a hang.
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func aWrongDatabaseNameSaysWhatTheServerSaid() async throws {
        let server = try PostgresLocation(url: try #require(TestPostgres.url))
        await #expect {
            _ = try await PostgresJournal.open(server.with(database: "no_such_database_here"))
        } throws: { error in
            "\(error)".contains("database \"no_such_database_here\" does not exist")
        }
    }

    @Test func urlsAreParsedAndShownWithoutTheirPassword() throws {
        let location = try PostgresLocation(url: "postgresql://ops:p%40ss@db.example.com:6543/playbook?sslmode=require")
        #expect(location.description == "postgres://ops@db.example.com:6543/playbook")
        #expect(location.tls == .require && location.port == 6543 && location.user == "ops")
        #expect(PostgresLocation.redacted("postgres://ops:secret@db/x") == "postgres://ops:***@db/x")
        #expect(throws: JournalFailure.self) { try PostgresLocation(url: "postgres://ops:secret@db/x?sslmode=maybe") }
        do {
            _ = try PostgresLocation(url: "postgres://ops:secret@db/x?user=root")
        } catch {
            #expect(!error.description.contains("secret"))
        }
    }

    static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
