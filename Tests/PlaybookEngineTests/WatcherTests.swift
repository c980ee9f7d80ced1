import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// The watcher's own loops on the real clock, at intervals of a fraction of a second (set on the
/// loaded model; the language's durations are whole seconds). Assertions bound times from
/// below and count events, so a busy machine makes them slower, never wrong.
@Suite struct WatcherTests {
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

    @Test func aPlatformDrivenDownAndBackUpFiresOnceAfterForAndRecoversAfterClearFor() async throws {
        let fixture = try WatchFixture([Self.down], clock: SystemClock())
        let watcher = try fixture.watcher(tweak: Self.quick(every: 0.05, timeout: 1, holdFor: 0.4, clearFor: 0.4))
        let running = Task { try await watcher.run() }
        #expect(await eventually { fixture.prober.probes(of: "https://shop.example/") >= 3 })
        let wentDown = Date()
        fixture.prober.setDown(["https://shop.example/"])
        #expect(await eventually { await fixture.texts() == ["down"] })
        let fired = try #require(fixture.reporter.events(named: "trigger_fired").first)
        #expect(fired.time.timeIntervalSince(wentDown) >= 0.4)
        // Still down for a while: it does not fire again.
        try await Task.sleep(nanoseconds: 600_000_000)
        let cameBack = Date()
        fixture.prober.setDown(["https://shop.example/"], false)
        #expect(await eventually { await fixture.texts() == ["down", "back"] })
        let resolved = try #require(fixture.reporter.events(named: "incident_resolved").first)
        #expect(resolved.time.timeIntervalSince(cameBack) >= 0.4)
        #expect(fixture.reporter.events(named: "trigger_fired").count == 1)
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
        let fixture = try WatchFixture([Self.two], clock: SystemClock())
        fixture.prober.setHanging("https://stuck.example/")
        defer { fixture.prober.release() }
        var tweak = Self.quick(every: 0.05, timeout: 0.5, holdFor: 0, clearFor: 0)
        let base = tweak
        tweak = { playbooks in
            base(&playbooks)
            // The stuck trigger is probed every 30 s with a 30 s timeout: hung for the whole test.
            if case .platformDown(var down) = playbooks[0].triggers[0].kind {
                down.every = 30
                down.timeout = 30
                playbooks[0].triggers[0].kind = .platformDown(down)
            }
        }
        let watcher = try fixture.watcher(tweak: tweak)
        let running = Task { try await watcher.run() }
        #expect(await eventually { fixture.prober.probes(of: "https://stuck.example/") >= 1 })
        let before = fixture.prober.probes(of: "https://fine.example/")
        fixture.prober.setDown(["https://fine.example/"])
        #expect(await eventually { await fixture.texts() == ["TikTok down"] })
        #expect(await eventually { fixture.prober.probes(of: "https://fine.example/") >= before + 10 })
        // Meanwhile the stuck probe is still hanging: its trigger has not been observed at all.
        #expect(fixture.prober.probes(of: "https://stuck.example/") == 1)
        #expect(await watcher.monitor("two")!.triggerState("stuck")?.holds == nil)
        let stopping = Date()
        fixture.stop.request()
        try await running.value
        #expect(Date().timeIntervalSince(stopping) < 15, "stopping waits for no probe (the stuck one would hold it 31 s)")
    }

    @Test func aProbeThatIgnoresItsTimeoutIsAbandonedAndCountsAsFailed() async throws {
        let fixture = try WatchFixture([Self.two], clock: SystemClock())
        fixture.prober.setHanging("https://stuck.example/")
        defer { fixture.prober.release() }
        let watcher = try fixture.watcher(tweak: Self.quick(every: 0.2, timeout: 0.2, holdFor: 0, clearFor: 0))
        let running = Task { try await watcher.run() }
        #expect(await eventually { fixture.reporter.events(named: "platform_down").contains { $0.message.hasPrefix("X is down") } })
        let event = try #require(fixture.reporter.events(named: "platform_down").first { $0.message.hasPrefix("X is down") })
        #expect(event.message.contains("no answer in"))
        fixture.stop.request()
        try await running.value
    }

    @Test func stoppingLetsTheRunFinishItsCallsAndLeavesTheRestForTheNextStart() async throws {
        let yaml = Self.down.replacingOccurrences(of: "recovery:", with: "  - id: later\n    at: 1h\n    post: { to: [out], text: later }\nrecovery:")
        let fixture = try WatchFixture([yaml], clock: SystemClock())
        let watcher = try fixture.watcher(tweak: Self.quick(every: 0.05, timeout: 1, holdFor: 0, clearFor: 1))
        fixture.prober.setDown(["https://shop.example/"])
        let running = Task { try await watcher.run() }
        #expect(await eventually { await fixture.texts() == ["down"] })
        fixture.stop.request()
        try await running.value
        let incident = try #require(try await fixture.journal.unfinishedIncident(playbook: "shop"))
        #expect(try await fixture.journal.steps(incident: incident.id).map(\.step) == ["tell"])
    }
}
