import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// A channel's `rate` and `concurrency` bound every call to it, whatever action makes it and
/// across all the steps of a run: two steps posting at the same moment share one limit.
@Suite struct ChannelLimitsTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:39:00Z")!

    @Test func threePostStepsAtOnceShareTheRateOfTheirChannel() async throws {
        let fixture = try EngineFixture(
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
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
        let outcome = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.statuses.values.allSatisfy { $0 == .succeeded })
        let times = await channels.sent.map(\.at).sorted()
        #expect(times.count == 3)
        // One call a minute: the third waits for the slot two minutes in. (Each time is read when
        // the call is made, which the test clock may pass a little late, but never early.)
        #expect(times.last.map { $0.timeIntervalSince(Self.start) >= 120 } == true, "\(times)")
    }

    @Test func aPostAndANotifyShareTheRateOfTheirChannel() async throws {
        let fixture = try EngineFixture(
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
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
        _ = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        let times = await channels.sent.map(\.at).sorted()
        #expect(times.count == 3)
        #expect(times.last.map { $0.timeIntervalSince(Self.start) >= 120 } == true, "\(times)")
    }

    @Test func pausingAdsCallsTheAccountAtItsRate() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: paced-ads
            triggers: [{ id: t, manual: {} }]
            channels: { ads: { type: file, path: ads.jsonl, rate: 1/m } }
            steps:
              - { id: pause, pause_ads: { channel: ads, campaigns: all } }
            """)
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
        let outcome = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.statuses == ["pause": .succeeded])
        // Listing the active campaigns is a call too: then three pauses, a minute apart each.
        let times = await channels.adsTimes
        #expect(times.count == 3)
        #expect(times.first.map { $0.timeIntervalSince(Self.start) >= 60 } == true, "\(times)")
        #expect(times.last.map { $0.timeIntervalSince(Self.start) >= 180 } == true, "\(times)")
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
