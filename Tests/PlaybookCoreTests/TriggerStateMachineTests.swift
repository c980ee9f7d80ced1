import Foundation
import Testing

@testable import PlaybookCore

/// The incremental trigger state machines: exact moments, restarts of `for`/`clear_for`
/// windows, one incident at a time, and equivalence with the reference simulation.
@Suite struct TriggerStateMachineTests {
    static let origin = Date(timeIntervalSince1970: 1_633_362_000)  // 2021-10-04T15:40:00Z
    static func t(_ seconds: Double) -> Date { origin.addingTimeInterval(seconds) }

    @Test func firesAfterForResolvesAfterClearForAndOpensOneIncident() {
        var machine = TriggerStateMachine(rules: [.init(id: "down", holdFor: 180, clearFor: 600)])
        #expect(machine.observe(["down": true], at: Self.t(0)) == [.condition(trigger: "down", holds: true, at: Self.t(0))])
        #expect(machine.nextDeadline == Self.t(180))
        #expect(machine.observe(["down": true], at: Self.t(120)) == [])
        #expect(machine.advance(to: Self.t(179)) == [])
        #expect(machine.advance(to: Self.t(200)) == [.fired(trigger: "down", at: Self.t(180), opened: true)])
        #expect(machine.incident == .init(openedAt: Self.t(180), firedBy: "down"))
        // Still down for hours: it does not fire again.
        #expect(machine.observe(["down": true], at: Self.t(3_600)) == [])
        #expect(machine.advance(to: Self.t(7_200)) == [])
        #expect(machine.observe(["down": false], at: Self.t(7_200)) == [.condition(trigger: "down", holds: false, at: Self.t(7_200))])
        #expect(machine.nextDeadline == Self.t(7_800))
        #expect(machine.advance(to: Self.t(9_000)) == [.resolved(at: Self.t(7_800))])
        #expect(machine.incident == nil)
        #expect(machine.nextDeadline == nil)
    }

    @Test func aBreakRestartsTheWindows() {
        var machine = TriggerStateMachine(rules: [.init(id: "down", holdFor: 300, clearFor: 600)])
        _ = machine.observe(["down": true], at: Self.t(0))
        _ = machine.observe(["down": false], at: Self.t(240))
        #expect(machine.observe(["down": true], at: Self.t(360)) == [.condition(trigger: "down", holds: true, at: Self.t(360))])
        #expect(machine.advance(to: Self.t(700)) == [.fired(trigger: "down", at: Self.t(660), opened: true)])
        _ = machine.observe(["down": false], at: Self.t(1_000))
        _ = machine.observe(["down": true], at: Self.t(1_300))  // back down before clear_for
        #expect(machine.observe(["down": false], at: Self.t(1_400)).count == 1)
        #expect(machine.advance(to: Self.t(1_999)) == [])
        #expect(machine.advance(to: Self.t(2_000)) == [.resolved(at: Self.t(2_000))])
    }

    @Test func theIncidentWaitsForEveryTriggerThatFired() {
        var machine = TriggerStateMachine(rules: [.init(id: "a", holdFor: 0, clearFor: 60), .init(id: "b", holdFor: 120, clearFor: 600)])
        #expect(machine.observe(["a": true, "b": true], at: Self.t(0)).contains(.fired(trigger: "a", at: Self.t(0), opened: true)))
        #expect(machine.advance(to: Self.t(120)) == [.fired(trigger: "b", at: Self.t(120), opened: false)])
        _ = machine.observe(["a": false], at: Self.t(130))
        #expect(machine.advance(to: Self.t(1_000)) == [])  // b still holds
        _ = machine.observe(["b": false], at: Self.t(1_000))
        #expect(machine.advance(to: Self.t(5_000)) == [.resolved(at: Self.t(1_600))])
    }

    @Test func aTriggerThatHoldsWithoutFiringDoesNotKeepTheIncidentOpen() {
        var machine = TriggerStateMachine(rules: [.init(id: "a", holdFor: 0, clearFor: 60), .init(id: "b", holdFor: 3_600, clearFor: 60)])
        _ = machine.observe(["a": true], at: Self.t(0))
        _ = machine.observe(["b": true], at: Self.t(10))
        _ = machine.observe(["a": false], at: Self.t(20))
        #expect(machine.advance(to: Self.t(100)) == [.resolved(at: Self.t(80))])
        // b fires later: a new incident.
        #expect(machine.advance(to: Self.t(4_000)) == [.fired(trigger: "b", at: Self.t(3_610), opened: true)])
    }

    @Test func atOneInstantWhatIsObservedThenCounts() {
        // Observed down again exactly when clear_for ends: not resolved.
        var machine = TriggerStateMachine(rules: [.init(id: "down", holdFor: 0, clearFor: 600)])
        _ = machine.observe(["down": true], at: Self.t(0))
        _ = machine.observe(["down": false], at: Self.t(60))
        // (The reference reading of §4 resolved here: a run of the condition starting at the very
        // moment clear_for ends did not count.)
        #expect(!machine.observe(["down": true], at: Self.t(660)).contains(.resolved(at: Self.t(660))))
        #expect(machine.incident != nil)
        // Observed up exactly when `for` ends: does not fire.
        var other = TriggerStateMachine(rules: [.init(id: "down", holdFor: 180, clearFor: 600)])
        _ = other.observe(["down": true], at: Self.t(0))
        #expect(other.observe(["down": false], at: Self.t(180)) == [.condition(trigger: "down", holds: false, at: Self.t(180))])
        #expect(other.incident == nil)
    }

    @Test func restoredStatesDoNotFireAgain() {
        var machine = TriggerStateMachine(rules: [.init(id: "down", holdFor: 60, clearFor: 300)])
        _ = machine.observe(["down": true], at: Self.t(0))
        _ = machine.advance(to: Self.t(90))
        let saved = ["down": machine.state(of: "down")!]
        var restored = TriggerStateMachine(rules: machine.rules, restoring: saved, incident: machine.incident)
        #expect(restored.observe(["down": true], at: Self.t(600)) == [])
        _ = restored.observe(["down": false], at: Self.t(700))
        #expect(restored.advance(to: Self.t(1_100)) == [.resolved(at: Self.t(1_000))])
    }

    @Test func aForgottenTriggerKeepsTheIncidentWaiting() {
        var machine = TriggerStateMachine(rules: [.init(id: "down", holdFor: 0, clearFor: 300)])
        _ = machine.observe(["down": true], at: Self.t(0))
        _ = machine.observe(["down": false], at: Self.t(100))
        machine.forget("down")
        #expect(machine.advance(to: Self.t(10_000)) == [])
        _ = machine.observe(["down": false], at: Self.t(10_000))
        #expect(machine.advance(to: Self.t(20_000)) == [.resolved(at: Self.t(10_300))])
    }

    // MARK: - Equivalence with the reference simulation

    /// A deterministic generator (SplitMix64), so a failure names a seed that reproduces it.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let here = PlaybookCore.SourceLocation(file: "generated", line: 1, column: 1)

    static func generated(seed: UInt64) -> (triggers: [Trigger], observations: [Observation]) {
        var random = Generator(state: seed)
        let platforms = ["facebook", "instagram", "whatsapp"]
        let minutes = [0.0, 60, 120, 180, 300, 600, 900]
        var triggers: [Trigger] = []
        for index in 0..<Int.random(in: 1...3, using: &random) {
            let kind: TriggerKind
            if Bool.random(using: &random) {
                var down = PlatformDownTrigger()
                down.platforms = platforms.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random)).map { Located($0, at: here) }
                kind = .platformDown(down)
            } else {
                let baseline: TrafficDropTrigger.Baseline =
                    Bool.random(using: &random) ? .fixed(100) : .ago(Double(Int.random(in: 1...4, using: &random)) * 600 + 7.25)
                kind = .trafficDrop(TrafficDropTrigger(source: Located("web", at: here), drop: 0.4, baseline: baseline))
            }
            var trigger = Trigger(id: Located("t\(index)", at: here), kind: kind)
            trigger.holdFor = minutes.randomElement(using: &random)!
            trigger.clearFor = minutes.randomElement(using: &random)!
            triggers.append(trigger)
        }
        // Observation times are random to the microsecond and baselines "ago" are no whole
        // minutes: no two moments of interest coincide, the one place where the two readings of
        // §4 differ (see atOneInstantWhatIsObservedThenCounts and docs/decisions.md).
        var observations: [Observation] = []
        var time = 0.0
        for _ in 0..<Int.random(in: 0...40, using: &random) {
            time += Double.random(in: 1...400, using: &random)
            let at = origin.addingTimeInterval((time * 1_000_000).rounded() / 1_000_000)
            if Int.random(in: 0..<3, using: &random) == 0 {
                observations.append(Observation(time: at, subject: .source("web", value: [100, 90, 55, 40, 0].randomElement(using: &random)!), location: here))
            } else {
                observations.append(
                    Observation(time: at, subject: .platform(platforms.randomElement(using: &random)!, up: Bool.random(using: &random)), location: here))
            }
        }
        return (triggers, observations)
    }

    @Test(arguments: 0..<20)
    func matchesTheReferenceSimulation(batch: Int) {
        for seed in UInt64(batch * 100)..<UInt64(batch * 100 + 100) {
            let (triggers, observations) = Self.generated(seed: seed)
            let machine = TriggerSimulation.run(triggers: triggers, observations: observations)
            let reference = ReferenceTriggerSimulation.run(triggers: triggers, observations: observations)
            #expect(machine.firedAt == reference.firedAt, "seed \(seed): fired")
            #expect(machine.firedBy == reference.firedBy, "seed \(seed): fired by")
            #expect(machine.resolvedAt == reference.resolvedAt, "seed \(seed): resolved")
            #expect(machine.facts == reference.facts, "seed \(seed): facts")
        }
    }

    @Test func generatedHistoriesExerciseFiringAndResolving() {
        var fired = 0
        var resolved = 0
        for seed in UInt64(0)..<2_000 {
            let (triggers, observations) = Self.generated(seed: seed)
            let outcome = TriggerSimulation.run(triggers: triggers, observations: observations)
            if outcome.firedAt != nil { fired += 1 }
            if outcome.resolvedAt != nil { resolved += 1 }
        }
        #expect(fired > 500)
        #expect(resolved > 200)
    }
}
