import Foundation
import PlaybookCore
import PlaybookEngine
import Testing

/// Incident ids stay readable (the playbook and its start) and unique, on every journal, even for
/// incidents of one playbook opened within one second: a run, `recover`, and a run again.
@Suite struct IncidentIDTests {
    static let start = Date(timeIntervalSince1970: 1_633_362_180)  // 2021-10-04T15:43:00Z

    /// A clock that never moves: everything happens within the same second.
    struct FrozenClock: EngineClock {
        func now() -> Date { IncidentIDTests.start }
        func sleep(until deadline: Date) async throws { try Task.checkCancellation() }
    }

    @Test(arguments: Backend.testable) func incidentsOpenedWithinOneSecondGetDistinctIDs(_ backend: Backend) async throws {
        let journal = try await backend.open()
        defer { Task { await journal.close() } }
        let yaml = """
            version: 1
            playbook: quick
            triggers: [{ id: t, manual: {} }]
            steps: [{ id: note, log: { message: down } }]
            """
        let playbook = try #require(PlaybookLoader.check(bytes: Array(yaml.utf8), path: "quick.yaml").playbook)
        let engine = Engine(journal: journal, channels: CountingChannels(), clock: FrozenClock())
        var ids: [String?] = []
        for _ in 0..<3 {
            let outcome = try await engine.run(playbook, .init())
            #expect(!outcome.resumed)
            ids.append(outcome.incident)
            _ = try await engine.recover(playbook)
        }
        #expect(ids == ["quick-20211004T154300Z", "quick-20211004T154300Z-2", "quick-20211004T154300Z-3"])
        #expect(Set(try await journal.incidents().map(\.id)) == Set(ids.compactMap { $0 }))
    }
}
