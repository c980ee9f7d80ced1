import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// `run --retry-failed` and `recover --retry-failed`: once the cause of a failure is fixed, what
/// failed goes out again and nothing already sent is repeated — the way back from an expired token
/// in the middle of an incident, and from a recovery that failed after the incident ended.
@Suite struct RetryFailedTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:43:00Z")!

    static let yaml = """
        version: 1
        playbook: retry
        triggers: [{ id: t, manual: {} }]
        channels: { sms: { type: twilio, account_sid: AC1, auth_token: x, from: "+390000000000" } }
        audience: { contacts: contacts.csv, segments: { everyone: "true" } }
        steps:
          - { id: warn, retry: { attempts: 1 }, notify: { segment: everyone, via: [sms], message: { text: "down" } } }
          - { id: later, after: [warn], delay: 10m, notify: { segment: everyone, via: [sms], message: { text: "still down" } } }
        recovery:
          - { id: back, retry: { attempts: 1 }, notify: { segment: everyone, via: [sms], message: { text: "back" } } }
        """

    func statuses(_ journal: any Journal, _ incident: String) async throws -> [String: DeliveryStatus] {
        var out: [String: DeliveryStatus] = [:]
        for step in ["warn", "later", "back"] {
            for delivery in try await journal.deliveries(incident: incident, step: step) { out[delivery.key] = delivery.status }
        }
        return out
    }

    /// (Each test runs in one `world.run`: a simulation moves its clock only while it runs.)
    @Test func theFailedDeliveriesOfAStepGoOutAgainAndOnlyThose() async throws {
        let fixture = try EngineFixture(Self.yaml, contacts: 5)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        let refused: Set<String> = ["+393330000001", "+393330000003"]
        let playbook = fixture.playbook
        let (first, retried) = try await world.run { engine in
            await channels.setRejected(refused)
            let first = try await engine.run(playbook, .init())
            // The token is fixed an hour later: the same command with --retry-failed.
            try await world.simulation.sleep(until: Self.start.addingTimeInterval(3_600))
            await channels.setRejected([])
            return (first, try await engine.run(playbook, .init(retryFailed: true)))
        }
        #expect(first.statuses == ["warn": .failed, "later": .failed])
        #expect(retried.statuses == ["warn": .succeeded, "later": .succeeded])
        #expect(!retried.failsRun)
        let sent = await channels.sent
        #expect(sent.count == 10)
        // Each contact got each message exactly once; the retry sent only to the two refused, at
        // once: `later` waited for `warn` to end again, not for its 10-minute delay once more.
        #expect(Set(sent.map { "\($0.message.text)|\($0.message.address)" }).count == 10)
        let retry = sent.dropFirst(6)
        #expect(Set(retry.map(\.message.address)) == refused)
        #expect(retry.map(\.message.text) == ["down", "down", "still down", "still down"])
        #expect(retry.allSatisfy { $0.at == Self.start.addingTimeInterval(3_600) })
        let incident = try #require(first.incident)
        #expect(try await statuses(fixture.journal, incident).values.allSatisfy { $0 == .sent })
        let warn = try #require(try await fixture.journal.steps(incident: incident).first { $0.step == "warn" })
        #expect(warn.attempts == 2)
        #expect(warn.detail == "5 deliveries sent")
    }

    @Test func withoutTheFlagAnIncidentWhoseStepsEndedSendsNothing() async throws {
        let fixture = try EngineFixture(Self.yaml, contacts: 3)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        let playbook = fixture.playbook
        let again = try await world.run { engine in
            await channels.setRejected(["+393330000000"])
            _ = try await engine.run(playbook, .init())
            await channels.setRejected([])
            return try await engine.run(playbook, .init())
        }
        #expect(again.note?.hasPrefix("every step of incident") == true)
        #expect(again.statuses == ["warn": .failed, "later": .failed])
        #expect(await channels.sent.count == 4)
    }

    @Test func retryingWithoutAnActiveIncidentIsRefusedAndOpensNone() async throws {
        let fixture = try EngineFixture(Self.yaml, contacts: 1)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        await #expect(throws: Engine.Problem.self) {
            try await world.run { try await $0.run(fixture.playbook, .init(retryFailed: true)) }
        }
        #expect(try await fixture.journal.incidents().isEmpty)
    }

    /// A recovery that failed ends the incident all the same; `recover` alone then has nothing to
    /// recover and says how to retry, and `recover --retry-failed` runs the failed step again.
    @Test func aFailedRecoveryRunsAgainAfterTheIncidentFinished() async throws {
        let fixture = try EngineFixture(Self.yaml, contacts: 2)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        let playbook = fixture.playbook
        let (recovery, refusal, retried, second) = try await world.run { engine in
            _ = try await engine.run(playbook, .init())
            await channels.setRejected(["+393330000001"])
            let recovery = try await engine.recover(playbook)
            await channels.setRejected([])
            var refusal: String?
            do { _ = try await engine.recover(playbook) } catch let problem as Engine.Problem { refusal = problem.description }
            let retried = try await engine.recover(playbook, retryFailed: true)
            // Nothing failed any more: a second retry is refused and sends nothing.
            var second: String?
            do { _ = try await engine.recover(playbook, retryFailed: true) } catch let problem as Engine.Problem { second = problem.description }
            return (recovery, refusal, retried, second)
        }
        #expect(recovery.statuses == ["back": .failed])
        let incident = try #require(recovery.incident)
        #expect(refusal == "playbook 'retry' has no active incident to recover; the recovery of its last incident, \(incident), ended with a failed step: once the cause is fixed, add --retry-failed to run that again")
        #expect(retried.statuses == ["back": .succeeded])
        #expect(second == "playbook 'retry' has no active incident and its last recovery had no failed step: nothing to retry")
        #expect(try await fixture.journal.incidentStatus(incident) == .finished)
        #expect(await channels.sent.filter { $0.message.text == "back" }.map(\.message.address).sorted() == ["+393330000000", "+393330000001"])
    }

    /// The closing lines offer `--retry-failed` only for a failure it reopens: a denied approval
    /// is a decision, and a run whose only failure it is is not told to retry.
    @Test func onlyAFailureThatCanBeRetriedOffersTheRetry() throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: gate
            triggers: [{ id: t, manual: {} }]
            channels: { outbox: { type: file, path: out.jsonl } }
            steps:
              - { id: ask, approve: { to: [outbox], text: "Pause? {{ approval.url }}", timeout: 20m } }
              - { id: tell, after: [ask], post: { to: [outbox], text: paused } }
            """)
        let steps = fixture.playbook.steps
        #expect(!Engine.Outcome.canRetryFailures(["ask": .failed, "tell": .skipped], steps: steps))
        #expect(Engine.Outcome.canRetryFailures(["ask": .succeeded, "tell": .failed], steps: steps))
        #expect(!Engine.Outcome.canRetryFailures(["ask": .succeeded, "tell": .succeeded], steps: steps))
    }
}
