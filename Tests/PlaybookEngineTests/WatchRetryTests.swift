import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// "Retry what failed" in a watch's console (`Watcher.retryFailedByHand`): what failed goes out
/// again once, in the watch's own process; nothing else is repeated; and it is refused, with the
/// reason, when it cannot do that yet or at all.
@Suite struct WatchRetryTests {
    static let start = Date(timeIntervalSince1970: 1_633_362_000)  // 2021-10-04T15:40:00Z
    static let shop = """
        version: 1
        playbook: shop
        triggers: [{ id: manual, manual: {} }]
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - { id: tell, retry: { attempts: 1 }, post: { to: [out], text: "we are open" } }
          - { id: note, post: { to: [out], text: "note" } }
        recovery:
          - { id: back, retry: { attempts: 1 }, post: { to: [out], text: "back" } }
        """

    /// What a refused call said, or nil when it was not refused.
    static func refusal(_ call: () async throws -> String) async -> String? {
        do {
            _ = try await call()
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func status(_ fixture: WatchFixture, _ incident: String, _ step: String) async throws -> StepStatus? {
        try await fixture.journal.steps(incident: incident).last { $0.step == step }?.status
    }

    @Test func aFailedStepRunsAgainFromTheConsoleAndNothingElseIsRepeated() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.shop], clock: clock)
        let watcher = try fixture.watcher()
        let monitor = try #require(watcher.monitor("shop"))
        try await monitor.start()
        await fixture.channels.setScript("/tell/out", [.permanent("the outbox refused it")])

        let incident = try await watcher.runByHand(playbook: "shop", trigger: "manual")
        await monitor.idle()
        #expect(try await Self.status(fixture, incident, "tell") == .failed)
        #expect(await fixture.texts() == ["note"])

        let said = try await watcher.retryFailedByHand(playbook: "shop", incident: incident)
        #expect(said == "sending again what failed in tell (nothing already sent is repeated)")
        await monitor.idle()
        #expect(try await Self.status(fixture, incident, "tell") == .succeeded)
        #expect(await fixture.texts() == ["note", "we are open"], "only the failed step went out again")
        #expect(fixture.reporter.events(named: "retry_requested").map(\.message) == ["incident \(incident): sending again what failed in tell, asked from the console"])

        #expect(await Self.refusal { try await watcher.retryFailedByHand(playbook: "shop", incident: incident) } == "incident \(incident) has no failed step to retry")
        #expect(await fixture.texts().count == 2)
    }

    @Test func aFailedRecoveryRunsAgainOnceTheIncidentHasFinished() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.shop], clock: clock)
        let watcher = try fixture.watcher()
        let monitor = try #require(watcher.monitor("shop"))
        try await monitor.start()
        await fixture.channels.setScript("/back/out", [.permanent("the outbox refused it")])
        let incident = try await watcher.runByHand(playbook: "shop", trigger: "manual")
        await monitor.idle()
        _ = try await watcher.recoverByHand(playbook: "shop")
        await monitor.idle()
        #expect(try await fixture.journal.incidentStatus(incident) == .finished)
        #expect(try await Self.status(fixture, incident, "back") == .failed)

        _ = try await watcher.retryFailedByHand(playbook: "shop", incident: incident)
        await monitor.idle()
        #expect(try await Self.status(fixture, incident, "back") == .succeeded)
        // `tell` and `note` run side by side (neither comes `after` the other): in either order.
        #expect(await fixture.texts().sorted() == ["back", "note", "we are open"])
        #expect(try await fixture.journal.incidentStatus(incident) == .finished)
    }

    @Test func aRetryIsRefusedWhileTheStepsRunAndForWhatIsNotThere() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture(
            [
                Self.shop.replacingOccurrences(
                    of: "  - { id: note, post:", with: "  - { id: note, after: [tell], delay: 1h, post:")
            ], clock: clock)
        let watcher = try fixture.watcher()
        let monitor = try #require(watcher.monitor("shop"))
        try await monitor.start()
        await fixture.channels.setScript("/tell/out", [.permanent("the outbox refused it")])
        let incident = try await watcher.runByHand(playbook: "shop", trigger: "manual")
        // `tell` has failed, but `note` waits an hour: a failed step of a running incident is retried once the run has ended.
        #expect(await eventually { (try? await Self.status(fixture, incident, "tell")) == .failed })
        #expect(await Self.refusal { try await watcher.retryFailedByHand(playbook: "shop", incident: incident) } == "the steps of incident \(incident) are still running; retry what failed once they have ended")
        #expect(await Self.refusal { try await watcher.retryFailedByHand(playbook: "shop", incident: "shop-nothing") } == "playbook 'shop' has no incident shop-nothing")
        #expect(await Self.refusal { try await watcher.retryFailedByHand(playbook: "other", incident: incident) } == "no watched playbook is named 'other'")
        #expect(fixture.reporter.events(named: "retry_requested").isEmpty)
        fixture.stop.request()
        await monitor.finish()
    }
}
