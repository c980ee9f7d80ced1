import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// The watcher's own loops (`run()`) on a manual clock: the test moves time one probe interval
/// at a time, after the loops have gone back to sleep, so every time it asserts is exact and no
/// assertion depends on how busy the machine is.
@Suite struct WatcherTests {
    static let start = Date(timeIntervalSince1970: 1_633_362_000)
    static func t(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    /// Shortens every probing trigger's timing.
    static func quick(every: Double, timeout: Double, holdFor: Double, clearFor: Double) -> (inout [Playbook]) -> Void {
        { playbooks in
            for p in playbooks.indices {
                for t in playbooks[p].triggers.indices {
                    switch playbooks[p].triggers[t].kind {
                    case .platformDown(var down):
                        down.every = every
                        down.timeout = timeout
                        playbooks[p].triggers[t].kind = .platformDown(down)
                    case .trafficDrop(var drop):
                        drop.every = every
                        playbooks[p].triggers[t].kind = .trafficDrop(drop)
                    default:
                        break
                    }
                    playbooks[p].triggers[t].holdFor = holdFor
                    playbooks[p].triggers[t].clearFor = clearFor
                }
            }
        }
    }

    static let down = """
        version: 1
        playbook: shop
        triggers:
          - id: shop-down
            platform_down:
              platforms: [shopify]
              checks: [{ http: "https://shop.example/" }]
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - id: tell
            post: { to: [out], text: "down" }
        recovery:
          - id: back
            post: { to: [out], text: "back" }
        """

    /// Probed every 10 s; `for` and `clear_for` of 45 s fall between two probes, so the test
    /// can tell the probe loop's sleep from the trigger's deadline.
    @Test func aPlatformDrivenDownAndBackUpFiresOnceAfterForAndRecoversAfterClearFor() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.down], clock: clock)
        let shop = "https://shop.example/"
        let watcher = try fixture.watcher(tweak: Self.quick(every: 10, timeout: 5, holdFor: 45, clearFor: 45))
        let running = Task { try await watcher.run() }
        /// The probe loop's next wake-up: the next multiple of 10 s from the start.
        func nextProbe() -> Date { Self.t(((clock.now().timeIntervalSince(Self.start) / 10).rounded(.down) + 1) * 10) }
        /// Moves time to `seconds`, one probe at a time, each answered and the loop asleep again.
        func probe(until seconds: Double) async {
            await clock.parked(until: nextProbe())
            while clock.now() < Self.t(seconds) {
                clock.advance(to: nextProbe())
                await clock.parked(until: nextProbe())
            }
        }
        await probe(until: 10)
        #expect(fixture.prober.probes(of: shop) == 2)
        fixture.prober.setDown([shop])
        await probe(until: 60)
        #expect(await fixture.texts() == [], "down since 20 s: it fires only after holding 45 s")
        await clock.parked(until: Self.t(65))
        clock.advance(to: Self.t(65))
        #expect(await eventually { await fixture.texts() == ["down"] })
        #expect(fixture.reporter.events(named: "trigger_fired").map(\.time) == [Self.t(65)])
        // Still down for a while: it does not fire again.
        await probe(until: 120)
        fixture.prober.setDown([shop], false)
        await probe(until: 170)
        #expect(await fixture.texts() == ["down"], "up since 130 s: it resolves only after 45 s clear")
        await clock.parked(until: Self.t(175))
        clock.advance(to: Self.t(175))
        #expect(await eventually { await fixture.texts() == ["down", "back"] })
        #expect(fixture.reporter.events(named: "incident_resolved").map(\.time) == [Self.t(175)])
        #expect(fixture.reporter.events(named: "trigger_fired").count == 1)
        #expect(fixture.prober.probes(of: shop) == 18, "one probe every 10 s from 0 to 170 s")
        #expect(try await fixture.journal.incidents().count == 1)
        fixture.stop.request()
        try await running.value
        #expect(fixture.reporter.events(named: "watch_stopped").count == 1)
    }

    static let two = """
        version: 1
        playbook: two
        triggers:
          - id: stuck
            platform_down: { platforms: [x], checks: [{ http: "https://stuck.example/" }], down_when: any }
          - id: fine
            platform_down: { platforms: [tiktok], checks: [{ http: "https://fine.example/" }] }
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - id: tell
            post: { to: [out], text: "{{ trigger.platform_names }} down" }
        """

    @Test func aHungProbeDoesNotDelayTheOthers() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.two], clock: clock)
        fixture.prober.setHanging("https://stuck.example/")
        defer { fixture.prober.release() }
        var tweak = Self.quick(every: 10, timeout: 5, holdFor: 0, clearFor: 0)
        let base = tweak
        tweak = { playbooks in
            base(&playbooks)
            // The stuck trigger is probed every hour with an hour's timeout: hung for the whole test.
            if case .platformDown(var down) = playbooks[0].triggers[0].kind {
                down.every = 3_600
                down.timeout = 3_600
                playbooks[0].triggers[0].kind = .platformDown(down)
            }
        }
        let watcher = try fixture.watcher(tweak: tweak)
        let running = Task { try await watcher.run() }
        // Two probed triggers: the second's first cycle is half its interval in (5 s), then every 10 s.
        await clock.parked(until: Self.t(5))
        #expect(await eventually { fixture.prober.probes(of: "https://stuck.example/") == 1 })
        fixture.prober.setDown(["https://fine.example/"])
        for k in 0..<10 {
            clock.advance(to: Self.t(5 + 10 * Double(k)))
            await clock.parked(until: Self.t(15 + 10 * Double(k)))
        }
        await watcher.monitor("two")!.idle()
        #expect(await fixture.texts() == ["TikTok down"])
        #expect(fixture.prober.probes(of: "https://fine.example/") == 10)
        // Meanwhile the stuck probe is still hanging: its trigger has not been observed at all.
        #expect(fixture.prober.probes(of: "https://stuck.example/") == 1)
        #expect(await watcher.monitor("two")!.triggerState("stuck")?.holds == nil)
        // Stopping waits for no probe: the stuck one would hold it until it is released.
        fixture.stop.request()
        #expect(await finishes(within: 30) { _ = try? await running.value }, "the watcher stopped while a probe still hung")
    }

    @Test func aProbeThatIgnoresItsTimeoutIsAbandonedAndCountsAsFailed() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.two], clock: clock)
        fixture.prober.setHanging("https://stuck.example/")
        defer { fixture.prober.release() }
        let watcher = try fixture.watcher(tweak: Self.quick(every: 20, timeout: 2, holdFor: 0, clearFor: 0))
        let running = Task { try await watcher.run() }
        // Its answer is awaited for the timeout and a second's grace, then given up.
        await clock.parked(until: Self.t(3))
        #expect(fixture.reporter.events(named: "platform_down").isEmpty)
        clock.advance(to: Self.t(3))
        #expect(await eventually { fixture.reporter.events(named: "platform_down").contains { $0.message.hasPrefix("X is down") } })
        let event = try #require(fixture.reporter.events(named: "platform_down").first { $0.message.hasPrefix("X is down") })
        #expect(event.message.contains("no answer in 2"))
        #expect(event.time == Self.t(3))
        fixture.stop.request()
        try await running.value
    }

    @Test func stoppingLetsTheRunFinishItsCallsAndLeavesTheRestForTheNextStart() async throws {
        let yaml = Self.down.replacingOccurrences(of: "recovery:", with: "  - id: later\n    at: 1h\n    post: { to: [out], text: later }\nrecovery:")
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([yaml], clock: clock)
        let watcher = try fixture.watcher(tweak: Self.quick(every: 10, timeout: 1, holdFor: 0, clearFor: 1))
        fixture.prober.setDown(["https://shop.example/"])
        let running = Task { try await watcher.run() }
        #expect(await eventually { await fixture.texts() == ["down"] })
        fixture.stop.request()
        try await running.value
        let incident = try #require(try await fixture.journal.unfinishedIncident(playbook: "shop"))
        #expect(try await fixture.journal.steps(incident: incident.id).map(\.step) == ["tell"])
    }
}
