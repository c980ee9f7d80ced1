import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// A channel's `rate` and `concurrency` bound every call to it, whatever action makes it and
/// across all the steps of a run: two steps posting at the same moment share one limit.
@Suite struct ChannelLimitsTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:39:00Z")!

    /// Runs `yaml` on the simulated clock from `start`: its outcome and what its channels recorded.
    func simulate(_ yaml: String, contacts: Int = 0, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> (
        Engine.Outcome, RecordingChannels
    ) {
        let fixture = try EngineFixture(yaml, contacts: contacts, sourceLocation: sourceLocation)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let playbook = fixture.playbook
        let outcome = try await world.run(sourceLocation: sourceLocation) { try await $0.run(playbook, .init()) }
        return (outcome, world.channels)
    }

    /// Seconds after the start.
    func offsets(_ times: [Date]) -> [Double] { times.map { $0.timeIntervalSince(Self.start) }.sorted() }

    @Test func threePostStepsAtOnceShareTheRateOfTheirChannel() async throws {
        let (outcome, channels) = try await simulate(
            """
            version: 1
            playbook: paced-posts
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl, rate: 1/m } }
            steps:
              - { id: a, post: { to: [out], text: a } }
              - { id: b, post: { to: [out], text: b } }
              - { id: c, post: { to: [out], text: c } }
            """)
        #expect(outcome.statuses.values.allSatisfy { $0 == .succeeded })
        // One call a minute: the second and third wait for their slots.
        #expect(offsets(await channels.sent.map(\.at)) == [0, 60, 120])
    }

    @Test func aPostAndANotifyShareTheRateOfTheirChannel() async throws {
        let (_, channels) = try await simulate(
            """
            version: 1
            playbook: paced-mixed
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl, rate: 1/m } }
            audience:
              contacts: contacts.csv
              segments: { everyone: "true" }
            steps:
              - { id: tell, notify: { segment: everyone, via: [out], message: { text: hi } } }
              - { id: speak, post: { to: [out], text: open } }
            """, contacts: 2)
        #expect(offsets(await channels.sent.map(\.at)) == [0, 60, 120])
    }

    @Test func pausingAdsCallsTheAccountAtItsRate() async throws {
        let (outcome, channels) = try await simulate(
            """
            version: 1
            playbook: paced-ads
            triggers: [{ id: t, manual: {} }]
            channels: { ads: { type: file, path: ads.jsonl, rate: 1/m } }
            steps:
              - { id: pause, pause_ads: { channel: ads, campaigns: all } }
            """)
        #expect(outcome.statuses == ["pause": .succeeded])
        // Listing the active campaigns is a call too (at the start): then three pauses, a minute apart each.
        #expect(offsets(await channels.adsTimes) == [60, 120, 180])
    }

    @Test func twoStepsOnAChannelOfConcurrencyOneNeverCallItAtOnce() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: one-at-a-time
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl, concurrency: 1 } }
            steps:
              - { id: a, post: { to: [out], text: a } }
              - { id: b, post: { to: [out], text: b } }
            """)
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
        await channels.setHoldAfter(0)
        let run = Task { try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init()) }
        #expect(await eventually { await channels.attempts.values.reduce(0, +) >= 1 })
        // The first call is held open: the other step waits for its slot instead of calling.
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(await channels.attempts.values.reduce(0, +) == 1)
        await channels.releaseHeld()
        let outcome = try await run.value
        #expect(outcome.statuses == ["a": .succeeded, "b": .succeeded])
        #expect(await channels.sent.count == 2)
    }
}
