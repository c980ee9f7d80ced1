import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// An approval nobody answers is denied at its timeout (`on_timeout` defaults to deny), and the
/// steps that name it in `after` are skipped: nothing an approval guards runs without one. The gate is direct, and a step whose `if` reads the approval's status decides alone.
@Suite struct ApprovalGateTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:43:00Z")!

    @Test func nothingTheApprovalGuardsRunsWithoutIt() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: approval-gate
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: ask, approve: { to: [out], text: "Pause? {{ approval.url }}" } }
              - { id: guarded, after: [ask], post: { to: [out], text: guarded } }
              - { id: denied, after: [ask], if: "steps.ask.status == 'failed'", post: { to: [out], text: denied } }
              - { id: later, after: [guarded], post: { to: [out], text: later } }
            """)
        let simulation = Simulation(origin: Self.start)
        let channels = RecordingChannels(clock: simulation)
        let journal = fixture.journal
        simulation.idleBarrier = { try? await journal.log(incident: "simulation-barrier", step: nil, message: "", at: Self.start) }
        let engine = Engine(journal: journal, channels: channels, clock: simulation)
        let outcome = try await simulation.run { try await engine.run(fixture.playbook, .init()) }
        #expect(outcome.statuses == ["ask": .failed, "guarded": .skipped, "denied": .succeeded, "later": .succeeded])
        #expect(outcome.failsRun)
        let incident = try #require(try await journal.incidents().first)
        let records = Dictionary(try await journal.steps(incident: incident.id).map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(records["ask"]?.detail == "no decision by 2021-10-04T16:13:00Z: denied (on_timeout: deny)")
        #expect(records["guarded"]?.detail == "approval 'ask' was not approved")
        let sent = await channels.sent
        #expect(sent.map(\.message.text).sorted() == ["Pause? ", "denied", "later"])
    }
}
