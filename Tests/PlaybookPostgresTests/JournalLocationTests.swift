import Foundation
import PlaybookEngine
import PlaybookPostgres
import PlaybookTestSupport
import Testing

/// Where a command's state lives (`--state`, then `PLAYBOOK_STATE`, then `.playbook/` beside the
/// playbook) and `withJournal` over it. None of these needs a PostgreSQL server.
struct JournalLocationTests {
    @Test func theStateFlagWinsThenTheEnvironmentThenTheFolderOfThePlaybook() {
        let environment = ["PLAYBOOK_STATE": "/var/lib/playbook"]
        #expect(JournalLocation(state: "/tmp/s", environment: environment, besides: "ops/p.yaml").value == "/tmp/s")
        #expect(JournalLocation(state: nil, environment: environment, besides: "ops/p.yaml").value == "/var/lib/playbook")
        #expect(JournalLocation(state: nil, environment: ["PLAYBOOK_STATE": ""], besides: "ops/p.yaml").value == "ops/.playbook")
        #expect(JournalLocation(state: nil, environment: [:], besides: "p.yaml").value == "./.playbook")
        #expect(JournalLocation(state: nil, environment: [:], besides: nil).value == "./.playbook")
    }

    @Test func aPostgresURLIsShared() {
        #expect(JournalLocation(state: "postgres://ops@db/playbook", environment: [:], besides: nil).isShared)
        #expect(!JournalLocation(state: "state", environment: [:], besides: nil).isShared)
    }

    @Test func withJournalOpensTheSQLiteJournalInTheDirectoryAndGivesBackTheBodysResult() async throws {
        let directory = TestScratch.root.appendingPathComponent("location-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let location = JournalLocation(state: directory.path, environment: [:], besides: nil)
        let seen = try await location.withJournal { journal in journal.location }
        #expect(seen == directory.appendingPathComponent("state.db").path)
        #expect(FileManager.default.fileExists(atPath: seen))
    }

    @Test func aURLThatNamesNoServerFailsToOpenWithoutRunningTheBody() async throws {
        let location = JournalLocation(state: "postgres://", environment: [:], besides: nil)
        var ran = false
        await #expect(throws: JournalFailure.self) { try await location.withJournal { _ in ran = true } }
        #expect(!ran)
    }
}
