import Foundation
@testable import PlaybookCore

/// The first implementation of `TriggerSimulation`, kept as a reference: a pure function of the
/// whole observation history (runs of constant condition, fire times, resolution candidates),
/// written independently of the incremental `TriggerStateMachine` that replaced it. The
/// equivalence tests compare the two over generated histories.
enum ReferenceTriggerSimulation {
    struct Outcome: Sendable {
        /// When the incident opens, and by which trigger.
        var firedAt: Date?
        var firedBy: String?
        var resolvedAt: Date?
        /// Facts of the firing trigger at the moment it fired (platforms down, values).
        var facts: [String: Value]
    }

    /// A run of constant condition: from `start` until the next run's start (or forever).
    struct Run {
        var start: Date
        var holds: Bool
    }

    static func run(triggers: [Trigger], observations: [Observation]) -> Outcome {
        let sorted = observations.sorted { $0.time < $1.time }
        var histories: [String: [Observation]] = [:]
        for observation in sorted {
            switch observation.subject {
            case .platform(let name, _): histories["platform:" + name, default: []].append(observation)
            case .source(let name, _): histories["source:" + name, default: []].append(observation)
            }
        }
        let runsByTrigger = triggers.map { (trigger: $0, runs: runs(of: $0, histories: histories)) }
        var firstFire: (Date, Trigger)?
        var fires: [String: [Date]] = [:]
        for (trigger, runs) in runsByTrigger {
            fires[trigger.id.value] = fireTimes(runs, holdFor: trigger.holdFor)
            if let first = fires[trigger.id.value]?.first, first < (firstFire?.0 ?? .distantFuture) { firstFire = (first, trigger) }
        }
        guard let (firedAt, trigger) = firstFire else { return Outcome(firedAt: nil, firedBy: nil, resolvedAt: nil, facts: [:]) }

        // Resolution: the first moment after firing when every trigger that has fired by then has
        // been clear for its clear_for. Candidates are the ends of clear_for after each clear run's start.
        var candidates: [Date] = []
        for (trigger, runs) in runsByTrigger {
            for (index, run) in runs.enumerated() where !run.holds {
                let end = index + 1 < runs.count ? runs[index + 1].start : Date.distantFuture
                let candidate = run.start.addingTimeInterval(trigger.clearFor)
                if candidate <= end, candidate >= firedAt { candidates.append(candidate) }
            }
        }
        var resolvedAt: Date?
        for candidate in candidates.sorted() {
            let allClear = runsByTrigger.allSatisfy { trigger, runs in
                guard let fired = fires[trigger.id.value], fired.contains(where: { $0 <= candidate }) else { return true }
                return isClear(runs, from: candidate.addingTimeInterval(-trigger.clearFor), to: candidate)
            }
            if allClear {
                resolvedAt = candidate
                break
            }
        }
        return Outcome(firedAt: firedAt, firedBy: trigger.id.value, resolvedAt: resolvedAt, facts: facts(of: trigger, at: firedAt, histories: histories))
    }

    /// Moments a trigger fires: each run of its condition that lasts `for`, `for` after it began.
    static func fireTimes(_ runs: [Run], holdFor: Double) -> [Date] {
        var times: [Date] = []
        for (index, run) in runs.enumerated() where run.holds {
            let end = index + 1 < runs.count ? runs[index + 1].start : Date.distantFuture
            let fire = run.start.addingTimeInterval(holdFor)
            if fire < end { times.append(fire) }
        }
        return times
    }

    static func isClear(_ runs: [Run], from: Date, to: Date) -> Bool {
        for (index, run) in runs.enumerated() where run.holds {
            let end = index + 1 < runs.count ? runs[index + 1].start : Date.distantFuture
            if run.start < to && end > from { return false }
        }
        return true
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
            return baseline > 0 && value <= (1 - drop.drop) * baseline
        case .manual, .webhook:
            return false
        }
    }

    static func runs(of trigger: Trigger, histories: [String: [Observation]]) -> [Run] {
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
        var runs: [Run] = []
        for point in points.sorted() {
            let holds = condition(of: trigger, at: point, histories: histories)
            if runs.last?.holds != holds { runs.append(Run(start: point, holds: holds)) }
        }
        return runs
    }

    static func facts(of trigger: Trigger, at time: Date, histories: [String: [Observation]]) -> [String: Value] {
        switch trigger.kind {
        case .platformDown(let down):
            let downNow = down.platforms.map(\.value).filter { platform in
                if case .platform(_, let up)? = latest(histories["platform:" + platform], at: time)?.subject { return !up }
                return false
            }
            return ["platforms": .list(downNow.map(Value.text))]
        case .trafficDrop(let drop):
            let history = histories["source:" + drop.source.value]
            guard case .source(_, let value)? = latest(history, at: time)?.subject else { return [:] }
            var baseline = 0.0
            switch drop.baseline {
            case .fixed(let fixed): baseline = fixed
            case .ago(let seconds):
                if case .source(_, let earlier)? = latest(history, at: time.addingTimeInterval(-seconds))?.subject { baseline = earlier }
            }
            return ["value": .number(value), "baseline": .number(baseline), "drop": .number(baseline > 0 ? 1 - value / baseline : 0)]
        default:
            return [:]
        }
    }
}
