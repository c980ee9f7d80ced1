import Foundation

/// The trigger state machines of triggers (docs/language.md), fed one moment at a time: whether each trigger's condition
/// holds, observed at a time. It reports when a trigger fires (its condition held for `for`), when
/// that opens an incident (no incident open), and when the incident resolves (every trigger that
/// fired during it has been clear for its `clear_for`).
///
/// Pure and clockless: `playbook test` replays a scenario's observations through it
/// (`TriggerSimulation`) and `playbook watch` feeds it live probe results, so both decide alike.
///
/// Moments are exact: a trigger fires at `since + for` even when nothing is observed then
/// (`advance(to:)` reports it once time has passed it). At one instant, what is observed at that
/// instant counts first: a trigger fires at `t` only if it still holds at `t`, and an incident
/// resolves at `t` only if every trigger that fired is still clear at `t`.
public struct TriggerStateMachine: Sendable {
    public struct Rule: Sendable, Equatable {
        public var id: String
        /// `for`, seconds.
        public var holdFor: Double
        /// `clear_for`, seconds.
        public var clearFor: Double

        public init(id: String, holdFor: Double, clearFor: Double) {
            self.id = id
            self.holdFor = holdFor
            self.clearFor = clearFor
        }

        public init(_ trigger: Trigger) {
            self.init(id: trigger.id.value, holdFor: trigger.holdFor, clearFor: trigger.clearFor)
        }
    }

    /// What is known of one trigger.
    public struct TriggerState: Sendable, Equatable, Codable {
        /// Whether the condition holds; nil until it is first observed (or after a gap in
        /// observations that makes the last one stale).
        public var holds: Bool?
        /// When the current run of `holds` began.
        public var since: Date
        /// The current run of the condition has fired (it fires once per run).
        public var firedThisRun: Bool
        /// The trigger fired during the open incident: the incident waits for it to clear.
        public var inIncident: Bool

        public init(holds: Bool? = nil, since: Date = Date(timeIntervalSince1970: 0), firedThisRun: Bool = false, inIncident: Bool = false) {
            self.holds = holds
            self.since = since
            self.firedThisRun = firedThisRun
            self.inIncident = inIncident
        }
    }

    public struct Incident: Sendable, Equatable, Codable {
        public var openedAt: Date
        public var firedBy: String

        public init(openedAt: Date, firedBy: String) {
            self.openedAt = openedAt
            self.firedBy = firedBy
        }
    }

    public enum Transition: Sendable, Equatable {
        /// A trigger's condition started to hold (`holds`) or stopped.
        case condition(trigger: String, holds: Bool, at: Date)
        /// A trigger's condition held for its `for`. `opened`: it opened the incident; otherwise
        /// it joined the one already open (which then also waits for it to clear).
        case fired(trigger: String, at: Date, opened: Bool)
        /// Every trigger that fired has been clear for its `clear_for`.
        case resolved(at: Date)
    }

    public let rules: [Rule]
    public private(set) var states: [TriggerState]
    public private(set) var incident: Incident?

    public init(rules: [Rule]) {
        self.rules = rules
        states = rules.map { _ in TriggerState() }
    }

    public init(triggers: [Trigger]) {
        self.init(rules: triggers.map(Rule.init))
    }

    /// Resumes from saved states (by trigger id; missing ones start unknown) and the incident open then.
    public init(rules: [Rule], restoring saved: [String: TriggerState], incident: Incident?) {
        self.rules = rules
        states = rules.map { saved[$0.id] ?? TriggerState() }
        self.incident = incident
        if incident == nil {
            for index in states.indices { states[index].inIncident = false }
        } else if let opener = rules.firstIndex(where: { $0.id == incident?.firedBy }), !states.contains(where: \.inIncident) {
            states[opener].inIncident = true
        }
    }

    public func state(of trigger: String) -> TriggerState? {
        rules.firstIndex { $0.id == trigger }.map { states[$0] }
    }

    /// Forgets what was observed of a trigger (a stale observation): its condition is unknown
    /// until observed again, and its `for`/`clear_for` window restarts then. A trigger waited for
    /// by the open incident stays waited for.
    public mutating func forget(_ trigger: String) {
        guard let index = rules.firstIndex(where: { $0.id == trigger }) else { return }
        states[index].holds = nil
        states[index].firedThisRun = false
    }

    /// Records what was observed at `time` (trigger id → its condition holds): first whatever
    /// fell due before `time`, then the observations, then what falls due at `time` itself.
    /// Triggers not named keep their state. Times must not go backwards.
    public mutating func observe(_ conditions: [String: Bool], at time: Date) -> [Transition] {
        var transitions = settle(through: time, inclusive: false)
        for (index, rule) in rules.enumerated() {
            guard let holds = conditions[rule.id], states[index].holds != holds else { continue }
            states[index].holds = holds
            states[index].since = time
            states[index].firedThisRun = false
            transitions.append(.condition(trigger: rule.id, holds: holds, at: time))
        }
        transitions += settle(through: time, inclusive: true)
        return transitions
    }

    /// Lets time pass with nothing observed: reports what fell due up to `time`.
    public mutating func advance(to time: Date) -> [Transition] {
        settle(through: time, inclusive: true)
    }

    /// The next moment something falls due (a fire or the resolution) if nothing else is observed.
    public var nextDeadline: Date? {
        [nextFire?.at, resolutionDeadline].compactMap { $0 }.min()
    }

    private var nextFire: (index: Int, at: Date)? {
        var best: (Int, Date)?
        for (index, state) in states.enumerated() where state.holds == true && !state.firedThisRun {
            let at = state.since.addingTimeInterval(rules[index].holdFor)
            if best == nil || at < best!.1 { best = (index, at) }
        }
        return best
    }

    /// When the open incident resolves if nothing changes: the latest end of `clear_for` over the
    /// triggers it waits for, once they are all clear.
    private var resolutionDeadline: Date? {
        guard incident != nil else { return nil }
        var latest: Date?
        for (index, state) in states.enumerated() where state.inIncident {
            guard state.holds == false else { return nil }
            let at = state.since.addingTimeInterval(rules[index].clearFor)
            latest = max(latest ?? at, at)
        }
        return latest
    }

    private mutating func settle(through limit: Date, inclusive: Bool) -> [Transition] {
        var transitions: [Transition] = []
        func due(_ date: Date) -> Bool { inclusive ? date <= limit : date < limit }
        while true {
            let fire = nextFire
            let resolution = resolutionDeadline
            // At one instant, fires come first: a trigger firing then is waited for too.
            if let fire, due(fire.at), resolution.map({ fire.at <= $0 }) ?? true {
                let id = rules[fire.index].id
                states[fire.index].firedThisRun = true
                states[fire.index].inIncident = true
                let opened = incident == nil
                if opened { incident = Incident(openedAt: fire.at, firedBy: id) }
                transitions.append(.fired(trigger: id, at: fire.at, opened: opened))
            } else if let resolution, due(resolution) {
                incident = nil
                for index in states.indices { states[index].inIncident = false }
                transitions.append(.resolved(at: resolution))
            } else {
                return transitions
            }
        }
    }
}
