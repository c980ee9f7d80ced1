import Foundation
import PlaybookEngine
import PlaybookTestSupport
import Testing

/// The state holds customers' addresses and what was sent to them: a new state directory and
/// database (with SQLite's `-wal` and `-shm`) are private to their owner whatever the umask.
struct PrivateStateFilesTests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777
    }

    @Test func aNewStateIsReadableByItsOwnerOnly() async throws {
        let parent = TestScratch.root.appendingPathComponent("state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let directory = (parent as NSString).appendingPathComponent(".playbook")
        // The most permissive umask: nothing may depend on a careful one.
        let previous = umask(0)
        let journal: SQLiteJournal
        do {
            defer { umask(previous) }
            journal = try SQLiteJournal(directory: directory)
            try await journal.createIncident(IncidentRecord(id: "i1", playbook: "p", trigger: "t", startedAt: Date()))
        }
        #expect(try Self.mode(directory) == 0o700)
        for name in ["state.db", "state.db-wal", "state.db-shm"] {
            let path = (directory as NSString).appendingPathComponent(name)
            #expect(try Self.mode(path) == 0o600, "\(name)")
        }
    }

    @Test func anExistingDirectoryKeepsItsMode() throws {
        let directory = TestScratch.root.appendingPathComponent("state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        _ = try SQLiteJournal(directory: directory)
        #expect(try Self.mode(directory) == 0o750)
        #expect(try Self.mode((directory as NSString).appendingPathComponent("state.db")) == 0o600)
    }
}
