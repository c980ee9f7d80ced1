import Foundation

/// The trigger state machines of triggers (docs/language.md) over replayed observations: when the incident fires (a
/// condition held for `for`) and when it resolves (every fired trigger clear for its
/// `clear_for`). Conditions are piecewise constant between observations, so they are evaluated
/// at their change points alone and fed to `TriggerStateMachine` — the machine `playbook watch`
/// feeds with live probes, so a scenario test states what watch does.
public enum TriggerSimulation {
    public struct Outcome: Sendable {
        /// When the incident opens, and by which trigger.
        public var firedAt: Date?
        public var firedBy: String?
        public var resolvedAt: Date?
        /// Facts of the firing trigger at the moment it fired (platforms down, values).
        public var facts: [String: Value]
    }

    public static func run(triggers: [Trigger], observations: [Observation]) -> Outcome {
        let sorted = observations.sorted { $0.time < $1.time }
        var histories: [String: [Observation]] = [:]
        for observation in sorted {
            switch observation.subject {
            case .platform(let name, _): histories["platform:" + name, default: []].append(observation)
            case .source(let name, _): histories["source:" + name, default: []].append(observation)
            }
        }
        // The moments each trigger's condition may change: its observations (and, for a baseline
        // "that long ago", the moments they become the baseline).
        var due: [Date: [Int]] = [:]
        for (index, trigger) in triggers.enumerated() {
            for point in points(of: trigger, histories: histories) { due[point, default: []].append(index) }
        }
        var machine = TriggerStateMachine(triggers: triggers)
        var outcome = Outcome(firedAt: nil, firedBy: nil, resolvedAt: nil, facts: [:])
        func record(_ transitions: [TriggerStateMachine.Transition]) {
            for transition in transitions {
                switch transition {
                case .fired(let id, let at, true) where outcome.firedAt == nil:
                    outcome.firedAt = at
                    outcome.firedBy = id
                    if let trigger = triggers.first(where: { $0.id.value == id }) { outcome.facts = facts(of: trigger, at: at, histories: histories) }
                case .resolved(let at) where outcome.firedAt != nil && outcome.resolvedAt == nil:
                    outcome.resolvedAt = at
                default:
                    break
                }
            }
        }
        for time in due.keys.sorted() where outcome.resolvedAt == nil {
            var conditions: [String: Bool] = [:]
            for index in due[time]! { conditions[triggers[index].id.value] = condition(of: triggers[index], at: time, histories: histories) }
            record(machine.observe(conditions, at: time))
        }
        // After the last observation every condition stays as it is: what falls due still happens.
        if outcome.resolvedAt == nil { record(machine.advance(to: .distantFuture)) }
        return outcome
    }

    /// The latest observation at or before `time`.
    static func latest(_ history: [Observation]?, at time: Date) -> Observation? {
        history?.last { $0.time <= time }
    }

    static func condition(of trigger: Trigger, at time: Date, histories: [String: [Observation]]) -> Bool {
        switch trigger.kind {
        case .platformDown(let down):
            return down.platforms.contains { platform in
                if case .platform(_, let up)? = latest(histories["platform:" + platform.value], at: time)?.subject { return !up }
                return false
            }
        case .trafficDrop(let drop):
            let history = histories["source:" + drop.source.value]
            guard case .source(_, let value)? = latest(history, at: time)?.subject else { return false }
            let baseline: Double
            switch drop.baseline {
            case .fixed(let fixed): baseline = fixed
            case .ago(let seconds):
                guard case .source(_, let earlier)? = latest(history, at: time.addingTimeInterval(-seconds))?.subject else { return false }
                baseline = earlier
            }
            return TriggerConditions.trafficDropHolds(value: value, baseline: baseline, drop: drop.drop)
        case .manual, .webhook:
            return false
        }
    }

    static func points(of trigger: Trigger, histories: [String: [Observation]]) -> Set<Date> {
        var points = Set<Date>()
        switch trigger.kind {
        case .platformDown(let down):
            for platform in down.platforms { histories["platform:" + platform.value]?.forEach { points.insert($0.time) } }
        case .trafficDrop(let drop):
            for observation in histories["source:" + drop.source.value] ?? [] {
                points.insert(observation.time)
                if case .ago(let seconds) = drop.baseline { points.insert(observation.time.addingTimeInterval(seconds)) }
            }
        case .manual, .webhook:
            break
        }
        return points
    }

    static func facts(of trigger: Trigger, at time: Date, histories: [String: [Observation]]) -> [String: Value] {
        switch trigger.kind {
        case .platformDown(let down):
            let downNow = down.platforms.map(\.value).filter { platform in
                if case .platform(_, let up)? = latest(histories["platform:" + platform], at: time)?.subject { return !up }
                return false
            }
            return TriggerConditions.platformFacts(down: downNow)
        case .trafficDrop(let drop):
            let history = histories["source:" + drop.source.value]
            guard case .source(_, let value)? = latest(history, at: time)?.subject else { return [:] }
            var baseline = 0.0
            switch drop.baseline {
            case .fixed(let fixed): baseline = fixed
            case .ago(let seconds):
                if case .source(_, let earlier)? = latest(history, at: time.addingTimeInterval(-seconds))?.subject { baseline = earlier }
            }
            return TriggerConditions.trafficFacts(value: value, baseline: baseline)
        default:
            return [:]
        }
    }
}
