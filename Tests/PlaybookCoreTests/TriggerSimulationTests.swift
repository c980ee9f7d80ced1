import Foundation
import PlaybookCore
import Testing

/// The trigger state machines over replayed observations: `for`, `clear_for`, drop vs baseline.
@Suite struct TriggerSimulationTests {
    static func at(_ hhmm: String, day: String = "2021-10-04") -> Date { TestPlaybooks.date("\(day)T\(hhmm):00Z") }
    static let nowhere = SourceLocation(file: "t", line: 1, column: 1)

    static func platform(_ hhmm: String, _ name: String, up: Bool) -> Observation {
        Observation(time: at(hhmm), subject: .platform(name, up: up), location: nowhere)
    }

    static func source(_ time: Date, _ value: Double) -> Observation {
        Observation(time: time, subject: .source("web", value: value), location: nowhere)
    }

    @Test func firesAfterForAndResolvesAfterClearFor() throws {
        let playbook = try #require(TestPlaybooks.load("""
            version: 1
            playbook: p
            triggers: [{ id: t, platform_down: { platforms: [facebook, instagram] }, for: 3m, clear_for: 10m }]
            steps: [{ id: s, log: { message: x } }]
            """))
        let outcome = TriggerSimulation.run(triggers: playbook.triggers, observations: [
            Self.platform("15:39", "facebook", up: false),
            Self.platform("15:41", "instagram", up: false),
            Self.platform("16:00", "facebook", up: true),
            Self.platform("16:05", "instagram", up: true),
            Self.platform("16:10", "instagram", up: false),  // back down before clear_for: not resolved
            Self.platform("16:12", "instagram", up: true),
        ])
        #expect(outcome.firedAt == Self.at("15:42"))
        #expect(outcome.resolvedAt == Self.at("16:22"))
        #expect(outcome.facts["platforms"] == .list([.text("facebook"), .text("instagram")]))
    }

    @Test func aConditionThatBreaksRestartsTheForWindow() throws {
        let playbook = try #require(TestPlaybooks.load("""
            version: 1
            playbook: p
            triggers: [{ id: t, platform_down: { platforms: [x] }, for: 5m }]
            steps: [{ id: s, log: { message: x } }]
            """))
        let outcome = TriggerSimulation.run(triggers: playbook.triggers, observations: [
            Self.platform("10:00", "x", up: false), Self.platform("10:04", "x", up: true), Self.platform("10:06", "x", up: false),
        ])
        #expect(outcome.firedAt == Self.at("10:11"))
        #expect(outcome.resolvedAt == nil)
    }

    @Test func trafficDropAgainstTheSameTimeLastWeek() throws {
        let playbook = try #require(TestPlaybooks.load("""
            version: 1
            playbook: p
            sources: { web: { type: csv, path: replay.csv } }
            triggers: [{ id: t, traffic_drop: { source: web, drop: 40%, baseline: 7d }, for: 15m, clear_for: 30m }]
            steps: [{ id: s, log: { message: x } }]
            """))
        let week = 7 * 86_400.0
        let observations = [
            Self.source(Self.at("15:00").addingTimeInterval(-week), 100),
            Self.source(Self.at("15:00"), 100),
            Self.source(Self.at("15:40"), 55),  // 55 <= 60% of 100
            Self.source(Self.at("17:00"), 90),
        ]
        let outcome = TriggerSimulation.run(triggers: playbook.triggers, observations: observations)
        #expect(outcome.firedAt == Self.at("15:55"))
        #expect(outcome.resolvedAt == Self.at("17:30"))
        guard case .number(let drop)? = outcome.facts["drop"] else { Issue.record("no drop fact"); return }
        #expect(abs(drop - 0.45) < 1e-9)
    }

    @Test func fixedBaselineAndNoObservationMeansNoCondition() throws {
        let playbook = try #require(TestPlaybooks.load("""
            version: 1
            playbook: p
            sources: { web: { type: csv, path: replay.csv } }
            triggers:
              - { id: drop, traffic_drop: { source: web, drop: 50%, baseline: { fixed: 200 } } }
              - { id: down, platform_down: { platforms: [tiktok] } }
            steps: [{ id: s, log: { message: x } }]
            """))
        let outcome = TriggerSimulation.run(triggers: playbook.triggers, observations: [Self.source(Self.at("12:00"), 100)])
        #expect(outcome.firedAt == Self.at("12:00"))
        #expect(outcome.firedBy == "drop")
        #expect(TriggerSimulation.run(triggers: playbook.triggers, observations: []).firedAt == nil)
    }
}
