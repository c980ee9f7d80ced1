import Foundation
import PlaybookCore

/// Runs playbooks: opens (or resumes) an incident, schedules its steps by §6's timing on the
/// clock, evaluates each `if` when the step starts, and drives the channels through their ports,
/// journaling everything before it is attempted.
///
/// Everything it needs comes in at construction (journal, channels, clock, progress), so tests
/// run it with a fake clock and loopback channels, and the CLI with the real ones.
public struct Engine: Sendable {
    public var journal: Journal
    public var channels: any ChannelRegistry
    public var clock: any EngineClock
    public var progress: any ProgressReporter
    public var redactor: SecretRedactor
    public var stop: StopSignal
    /// Per-channel limits, shared by every step of the run.
    let gates = GateRegistry()
    /// How contacts are read: CSV files and SQLite databases.
    public var contactsOpener: ContactsOpener = .standard

    public init(journal: Journal, channels: any ChannelRegistry, clock: any EngineClock = SystemClock(), progress: any ProgressReporter = SilentProgress(),
                redactor: SecretRedactor = SecretRedactor(secrets: []), stop: StopSignal = StopSignal()) {
        self.journal = journal
        self.channels = channels
        self.clock = clock
        self.progress = progress
        self.redactor = redactor
        self.stop = stop
    }

    public struct RunRequest: Sendable {
        public var triggerID: String?
        public var assignments: [(path: [String], value: Value)]

        public init(triggerID: String? = nil, assignments: [(path: [String], value: Value)] = []) {
            self.triggerID = triggerID
            self.assignments = assignments
        }
    }

    /// What a run did.
    public struct Outcome: Sendable {
        public var incident: String?
        public var resumed: Bool
        /// Final statuses of the section that ran.
        public var statuses: [String: StepStatus]
        /// Stopped by a signal before finishing.
        public var interrupted: Bool
        /// Why nothing ran, when nothing did (the playbook's `if`, nothing left to do).
        public var note: String?

        public var anyFailed: Bool { statuses.values.contains(.failed) }
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// `playbook run`: starts an incident, or resumes the unfinished one of this playbook.
    public func run(_ playbook: Playbook, _ request: RunRequest) async throws -> Outcome {
        if let existing = try await journal.unfinishedIncident(playbook: playbook.name.value) {
            progress.report(.incidentOpened(id: existing.id, resumed: true))
            switch existing.status {
            case .recovering:
                return try await runSection(playbook, incident: existing, recovery: true, resumed: true)
            default:
                var outcome = try await runSection(playbook, incident: existing, recovery: false, resumed: true)
                if !outcome.interrupted, outcome.statuses.isEmpty || outcome.statuses.count == playbook.steps.count {
                    outcome.note = outcome.note ?? "incident \(existing.id) stays active until it is recovered ('playbook recover')"
                }
                return outcome
            }
        }
        let trigger: Trigger
        do {
            trigger = try Planner.chooseTrigger(playbook, request.triggerID).0
        } catch {
            throw Problem(description: error.description)
        }
        let start = clock.now()
        let incidentID = Facts.incidentID(playbook: playbook.name.value, start: start)
        var triggerFacts: [(String, JSONValue)] = []
        for (path, value) in request.assignments where path.first == "trigger" && path.count == 2 {
            triggerFacts.append((path[1], value.json))
        }
        let record = IncidentRecord(id: incidentID, playbook: playbook.name.value, trigger: trigger.id.value, startedAt: start,
                                    facts: JSONValue.object(triggerFacts).serialized())
        let facts = self.facts(playbook, record, vars: request.assignments, at: start, active: true, statuses: [:])
        if let condition = playbook.condition?.expression {
            let (result, reason) = Evaluator(resolve: { facts.resolve($0) }).condition(condition)
            if result != true {
                return Outcome(incident: nil, resumed: false, statuses: [:], interrupted: false,
                               note: "the playbook's 'if' is \(result == false ? "false" : "unknown (\(reason ?? ""))"): \(playbook.condition!.text); nothing runs")
            }
        }
        try await journal.createIncident(record)
        progress.report(.incidentOpened(id: incidentID, resumed: false))
        return try await runSection(playbook, incident: record, recovery: false, resumed: false, vars: request.assignments)
    }

    /// `playbook recover`: marks the unfinished incident resolved now and runs `recovery`.
    public func recover(_ playbook: Playbook) async throws -> Outcome {
        guard var incident = try await journal.unfinishedIncident(playbook: playbook.name.value) else {
            throw Problem(description: "playbook '\(playbook.name.value)' has no active incident to recover")
        }
        if incident.status == .active {
            let now = clock.now()
            try await journal.setIncident(incident.id, status: .recovering, resolvedAt: now)
            incident.status = .recovering
            incident.resolvedAt = now
        }
        progress.report(.incidentOpened(id: incident.id, resumed: true))
        return try await runSection(playbook, incident: incident, recovery: true, resumed: true)
    }

    /// The facts of an incident at a moment.
    func facts(_ playbook: Playbook, _ incident: IncidentRecord, vars assignments: [(path: [String], value: Value)] = [], at now: Date, active: Bool,
               statuses: [String: String]) -> Facts {
        var trigger: [String: Value] = [:]
        if case .object(let members)? = JSONValue.parse(incident.facts) {
            for (name, json) in members { trigger[name] = Value(json) }
        }
        var vars = playbook.vars
        for (path, value) in assignments where path.first == "vars" { vars = vars.setting(Array(path.dropFirst()), to: value.json) }
        let kind = playbook.trigger(incident.trigger)?.kindName ?? "manual"
        return Facts(trigger: trigger, triggerID: incident.trigger, triggerKind: kind, triggerTypes: Planner.scope(of: playbook).triggerFields,
                     incidentID: incident.id, startedAt: incident.startedAt, elapsed: now.timeIntervalSince(incident.startedAt), now: now,
                     active: active, timezone: TimeZone(identifier: playbook.timezoneIdentifier) ?? TimeZone(identifier: "UTC")!, vars: vars,
                     stepStatuses: statuses)
    }
}
