import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// One playbook watched on a clock the test moves: when it fires, when it recovers, that it
/// fires once, and what a restart picks up. Probes are scripted; every observation is made by
/// the test, so nothing here depends on the machine's speed.
@Suite struct PlaybookMonitorTests {
    static let start = Date(timeIntervalSince1970: 1_633_362_000)  // 2021-10-04T15:40:00Z
    static func t(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }
    static let facebook = ["facebook.com", "https://www.facebook.com/", "https://graph.facebook.com/"]

    static let meta = """
        version: 1
        playbook: meta
        triggers:
          - id: meta-down
            platform_down: { platforms: [facebook, instagram] }
            for: 3m
            clear_for: 10m
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - id: tell
            post: { to: [out], text: "{{ trigger.platform_names }} down" }
        recovery:
          - id: back
            post: { to: [out], text: "back" }
        """

    /// Observes the trigger at `seconds` (moving the clock there first).
    static func cycle(_ watcher: Watcher, _ clock: ManualClock, at seconds: Double, trigger: String = "meta-down", playbook: String = "meta") async {
        clock.advance(to: t(seconds))
        await watcher.cycle(playbook, trigger)
        await watcher.monitor(playbook)!.idle()
    }

    static func tick(_ watcher: Watcher, _ clock: ManualClock, at seconds: Double, playbook: String = "meta") async {
        clock.advance(to: t(seconds))
        await watcher.monitor(playbook)!.tick()
        await watcher.monitor(playbook)!.idle()
    }

    @Test func firesAfterForRecoversAfterClearForAndFiresOnce() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.meta], clock: clock)
        let watcher = try fixture.watcher()
        try await watcher.monitor("meta")!.start()
        fixture.prober.setDown(Self.facebook)

        await Self.cycle(watcher, clock, at: 0)
        await Self.cycle(watcher, clock, at: 30)
        await Self.tick(watcher, clock, at: 179)
        #expect(fixture.reporter.events(named: "trigger_fired").isEmpty)
        await Self.tick(watcher, clock, at: 180)
        #expect(fixture.reporter.events(named: "trigger_fired").count == 1)
        #expect(await fixture.texts() == ["Facebook down"])
        let incidents = try await fixture.journal.incidents()
        #expect(incidents.count == 1)
        #expect(incidents.first?.startedAt == Self.t(180))
        #expect(incidents.first?.facts == #"{"platforms":["facebook"]}"#)

        // Down for hours: no second incident, nothing sent again.
        for minute in stride(from: 4.0, through: 120, by: 1) { await Self.cycle(watcher, clock, at: minute * 60) }
        #expect(try await fixture.journal.incidents().count == 1)
        #expect(await fixture.texts() == ["Facebook down"])

        // Back up, briefly down again (the clear_for window restarts), then up for good.
        fixture.prober.setDown(Self.facebook, false)
        await Self.cycle(watcher, clock, at: 7_230)
        fixture.prober.setDown(["facebook.com"])
        fixture.prober.setDown(["https://www.facebook.com/"])
        await Self.cycle(watcher, clock, at: 7_500)
        fixture.prober.setDown(Self.facebook, false)
        await Self.cycle(watcher, clock, at: 7_560)
        await Self.tick(watcher, clock, at: 8_159)
        #expect(fixture.reporter.events(named: "incident_resolved").isEmpty)
        await Self.tick(watcher, clock, at: 8_160)
        #expect(fixture.reporter.events(named: "incident_resolved").count == 1)
        #expect(await fixture.texts() == ["Facebook down", "back"])
        let finished = try #require(try await fixture.journal.incidents().first)
        #expect(finished.status == .finished)
        #expect(finished.resolvedAt == Self.t(8_160))
        #expect(fixture.reporter.events(named: "trigger_fired").count == 1)
    }

    @Test func aMajorityOfChecksMakesAPlatformDown() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.meta.replacingOccurrences(of: "for: 3m", with: "for: 0s")], clock: clock)
        let watcher = try fixture.watcher()
        fixture.prober.setDown(["facebook.com"])  // 1 of 3: up
        await Self.cycle(watcher, clock, at: 0)
        #expect(fixture.reporter.events(named: "trigger_holds").isEmpty)
        fixture.prober.setDown(["https://graph.facebook.com/"])  // 2 of 3: down
        await Self.cycle(watcher, clock, at: 30)
        #expect(fixture.reporter.events(named: "platform_down").count == 1)
        #expect(fixture.reporter.events(named: "incident_opened").count == 1)
    }

    @Test func aWatcherRestartedMidIncidentPicksItUpAndDoesNotFireAgain() async throws {
        let clock = ManualClock(Self.start)
        let first = try WatchFixture([Self.meta], clock: clock)
        let watcher = try first.watcher()
        try await watcher.monitor("meta")!.start()
        first.prober.setDown(Self.facebook)
        await Self.cycle(watcher, clock, at: 0)
        await Self.tick(watcher, clock, at: 180)
        await Self.cycle(watcher, clock, at: 210)
        #expect(await first.texts() == ["Facebook down"])
        await watcher.monitor("meta")!.finish()

        // A new process, a minute later, on the same journal.
        let laterClock = ManualClock(Self.t(270))
        let second = try first.restarted(clock: laterClock)
        second.prober.setDown(Self.facebook)
        let restarted = try second.watcher()
        try await restarted.monitor("meta")!.start()
        let restored = try #require(second.reporter.events(named: "state_restored").first)
        #expect(restored.message.contains("incident meta-20211004T154300Z open"))
        #expect(await restarted.monitor("meta")!.triggerState("meta-down") == .init(holds: true, since: Self.t(0), firedThisRun: true, inIncident: true))
        await Self.cycle(restarted, laterClock, at: 300)
        await Self.tick(restarted, laterClock, at: 3_600)
        #expect(second.reporter.events(named: "trigger_fired").isEmpty)
        #expect(try await second.journal.incidents().count == 1)
        #expect(await second.texts().isEmpty)  // the step had been sent before the restart

        second.prober.setDown(Self.facebook, false)
        await Self.cycle(restarted, laterClock, at: 3_630)
        await Self.tick(restarted, laterClock, at: 4_230)
        #expect(await second.texts() == ["back"])
        #expect(try await second.journal.incidents().first?.status == .finished)
    }

    @Test func aRestartAfterALongGapWatchesAfreshWithoutASecondIncident() async throws {
        let clock = ManualClock(Self.start)
        let first = try WatchFixture([Self.meta], clock: clock)
        let watcher = try first.watcher()
        first.prober.setDown(Self.facebook)
        await Self.cycle(watcher, clock, at: 0)
        await Self.tick(watcher, clock, at: 180)
        await watcher.monitor("meta")!.finish()

        let laterClock = ManualClock(Self.t(7_200))
        let second = try first.restarted(clock: laterClock)
        let restarted = try second.watcher()
        try await restarted.monitor("meta")!.start()
        #expect(second.reporter.events(named: "state_restored").first?.message.contains("watched afresh: meta-down") == true)
        second.prober.setDown(Self.facebook)
        await Self.cycle(restarted, laterClock, at: 7_200)
        await Self.tick(restarted, laterClock, at: 7_380)
        // It fires again after `for`, but joins the open incident.
        #expect(second.reporter.events(named: "trigger_fired").map { $0.message } == ["meta-down: fired; the open incident also waits for it to clear"])
        #expect(try await second.journal.incidents().count == 1)
    }

    @Test func anIncidentThePlaybooksIfDeclinesIsTriedAgainWhileItLasts() async throws {
        let clock = ManualClock(Self.start)
        let yaml = Self.meta.replacingOccurrences(of: "channels:", with: "vars: { open: false }\nif: \"vars.open\"\nchannels:")
        let fixture = try WatchFixture([yaml], clock: clock)
        let watcher = try fixture.watcher()
        fixture.prober.setDown(Self.facebook)
        await Self.cycle(watcher, clock, at: 0)
        await Self.tick(watcher, clock, at: 180)
        #expect(fixture.reporter.events(named: "incident_declined").count == 1)
        await Self.cycle(watcher, clock, at: 210)
        await Self.cycle(watcher, clock, at: 250)
        #expect(fixture.reporter.events(named: "incident_declined").count == 1)
        #expect(try await fixture.journal.incidents().isEmpty)
        fixture.prober.setDown(Self.facebook, false)
        await Self.cycle(watcher, clock, at: 300)
        await Self.tick(watcher, clock, at: 900)
        #expect(fixture.reporter.events(named: "recovery_skipped").count == 1)
        #expect(await fixture.texts().isEmpty)
    }

    @Test func aStepDueAfterTheIncidentResolvedDoesNotStart() async throws {
        let clock = ManualClock(Self.start)
        let yaml = Self.meta.replacingOccurrences(
            of: "recovery:",
            with: """
                  - id: later
                    at: 1h
                    if: "incident.active"
                    post: { to: [out], text: "still down" }
                  - id: anyway
                    at: 1h
                    post: { to: [out], text: "an hour on" }
                recovery:
                """)
        let fixture = try WatchFixture([yaml], clock: clock)
        let watcher = try fixture.watcher()
        fixture.prober.setDown(Self.facebook)
        await Self.cycle(watcher, clock, at: 0)
        clock.advance(to: Self.t(180))
        await watcher.monitor("meta")!.tick()
        #expect(await eventually { await fixture.texts() == ["Facebook down"] })
        fixture.prober.setDown(Self.facebook, false)
        clock.advance(to: Self.t(600))
        await watcher.cycle("meta", "meta-down")
        clock.advance(to: Self.t(1_200))
        await watcher.monitor("meta")!.tick()
        #expect(await eventually { await fixture.texts() == ["Facebook down", "back"] })
        clock.advance(to: Self.t(180 + 3_600))
        await watcher.monitor("meta")!.idle()
        // Once the incident has resolved, its own steps do not start, with or without an `if`
        // (docs/decisions.md): only recovery runs.
        #expect(await fixture.texts() == ["Facebook down", "back"])
        let incident = try #require(try await fixture.journal.incidents().first)
        let steps = try await fixture.journal.steps(incident: incident.id)
        #expect(steps.first { $0.step == "later" }?.status == .skipped)
        #expect(steps.first { $0.step == "anyway" }?.status == .skipped)
    }

    static let traffic = """
        version: 1
        playbook: shop
        sources: { web: { type: plausible, url: "https://plausible.io", site_id: shop.example, api_key: key } }
        triggers:
          - id: drop
            traffic_drop: { source: web, drop: 40%, baseline: 7d }
            clear_for: 5m
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - id: tell
            post: { to: [out], text: "traffic {{ trigger.value }} vs {{ trigger.baseline }}" }
        """

    @Test func aSevenDayBaselineComesFromTheJournalWhenTheSourceKeepsNoHistory() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.traffic], clock: clock)
        let watcher = try fixture.watcher()
        fixture.sources.set("web", 50)
        // Nothing journaled a week ago: no baseline, no condition.
        await Self.cycle(watcher, clock, at: 0, trigger: "drop", playbook: "shop")
        #expect(fixture.reporter.events(named: "trigger_holds").isEmpty)
        try await fixture.journal.addSamples([("shop/web", Self.t(60 - 7 * 86_400 - 120), 100)])
        await Self.cycle(watcher, clock, at: 60, trigger: "drop", playbook: "shop")
        #expect(fixture.reporter.events(named: "incident_opened").count == 1)
        #expect(await fixture.texts() == ["traffic 50 vs 100"])
        #expect(try await fixture.journal.incidents().first?.facts == #"{"baseline":100,"drop":0.5,"value":50}"#)
        // Its own readings are journaled for next week.
        #expect(try await fixture.journal.sample(series: "shop/web", atOrBefore: Self.t(60), notBefore: Self.t(0))?.value == 50)
    }

    @Test func aSevenDayBaselineIsAskedOfASourceThatKeepsHistory() async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.traffic], clock: clock, sources: ScriptedSources(keepsHistory: true))
        let watcher = try fixture.watcher()
        fixture.sources.record("web", at: Self.t(-7 * 86_400 - 30), 200)
        fixture.sources.set("web", 130)  // 35% down: not enough
        await Self.cycle(watcher, clock, at: 0, trigger: "drop", playbook: "shop")
        #expect(fixture.reporter.events(named: "trigger_holds").isEmpty)
        fixture.sources.set("web", 120)  // 40% down
        await Self.cycle(watcher, clock, at: 60, trigger: "drop", playbook: "shop")
        #expect(await fixture.texts() == ["traffic 120 vs 200"])
    }

    @Test func aSourceThatCannotBeReadLeavesTheLastObservationStanding() async throws {
        let clock = ManualClock(Self.start)
        let yaml = Self.traffic.replacingOccurrences(of: "baseline: 7d }", with: "baseline: { fixed: 100 } }\n    for: 2m")
        let fixture = try WatchFixture([yaml], clock: clock)
        let watcher = try fixture.watcher()
        fixture.sources.set("web", 10)
        await Self.cycle(watcher, clock, at: 0, trigger: "drop", playbook: "shop")
        fixture.sources.unset("web")
        await Self.cycle(watcher, clock, at: 60, trigger: "drop", playbook: "shop")
        await Self.cycle(watcher, clock, at: 90, trigger: "drop", playbook: "shop")
        #expect(fixture.reporter.events(named: "source_failed").count == 1)
        await Self.tick(watcher, clock, at: 120, playbook: "shop")
        #expect(fixture.reporter.events(named: "incident_opened").count == 1)
        fixture.sources.set("web", 100)
        await Self.cycle(watcher, clock, at: 150, trigger: "drop", playbook: "shop")
        #expect(fixture.reporter.events(named: "source_recovered").count == 1)
        // A fixed baseline needs no history: nothing journaled.
        #expect(try await fixture.journal.sample(series: "shop/web", atOrBefore: Self.t(200), notBefore: Self.t(-1)) == nil)
    }
}
