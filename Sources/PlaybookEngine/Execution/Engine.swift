import Foundation
import PlaybookCore

/// Runs playbooks: opens (or resumes) an incident, schedules its steps by the steps' timing on the
/// clock, evaluates each `if` when the step starts, and drives the channels through their ports,
/// journaling everything before it is attempted.
///
/// Everything it needs comes in at construction (journal, channels, clock, progress), so tests
/// run it with a fake clock and loopback channels, and the CLI with the real ones.
public struct Engine: Sendable {
    public var journal: any Journal
    public var channels: any ChannelRegistry
    public var clock: any EngineClock
    public var progress: any ProgressReporter
    public var redactor: SecretRedactor
    public var stop: StopSignal
    /// Per-channel limits, shared by every step of the run.
    let gates = GateRegistry()
    /// How contacts are read: CSV files and SQLite databases.
    public var contactsOpener: ContactsOpener = .standard
    /// With a shared journal: how long a claim on deliveries lasts unless its runner renews it
    /// (every third of it); a dead runner's claims are taken over after this.
    public var claimLease: Double = 15 {
        didSet { claimLease = Self.clampedClaimLease(claimLease) }
    }
    /// The public base URL of approval links (`PLAYBOOK_CONSOLE_URL`, or `http://` and the
    /// listen address); links are `BASE/approve/TOKEN`. Nil when nothing serves them (no
    /// `--listen`): then `approval.url` renders empty and `playbook approve` decides.
    public var approvalLinkBase: String?
    /// The leases `--claim-lease` accepts, in seconds; the engine holds any other value within them.
    public static let claimLeaseRange = 1.0...86_400.0

    static func clampedClaimLease(_ seconds: Double) -> Double {
        seconds.isNaN ? 15 : min(max(seconds, claimLeaseRange.lowerBound), claimLeaseRange.upperBound)
    }

    public init(journal: any Journal, channels: any ChannelRegistry, clock: any EngineClock = SystemClock(), progress: any ProgressReporter = SilentProgress(),
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
        /// `--retry-failed`: reopen the failed steps of the unfinished incident (`reopenFailedSteps`)
        /// and resume it; there must be one.
        public var retryFailed: Bool

        public init(triggerID: String? = nil, assignments: [(path: [String], value: Value)] = [], retryFailed: Bool = false) {
            self.triggerID = triggerID
            self.assignments = assignments
            self.retryFailed = retryFailed
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
        /// Whether the run failed (`run` and `recover` exit 3): a step failed that does not have
        /// `continue_on_error: true`. A failure never stops the other steps; this is its only effect.
        public var failsRun: Bool
        /// Whether a step failed that `--retry-failed` would run again (not an approval: a
        /// denial is a decision), so the closing lines say how.
        public var canRetryFailures = false

        /// Whether any step failed, `continue_on_error` or not (worth a warning in `watch`).
        public var anyFailed: Bool { statuses.values.contains(.failed) }

        /// Whether these outcomes of `steps` (one section) fail the run.
        static func failsRun(_ statuses: [String: StepStatus], steps: [Step]) -> Bool {
            steps.contains { statuses[$0.id.value] == .failed && !$0.continueOnError }
        }

        /// Whether these outcomes of `steps` (one section) hold a failure `--retry-failed` reopens.
        static func canRetryFailures(_ statuses: [String: StepStatus], steps: [Step]) -> Bool {
            steps.contains { statuses[$0.id.value] == .failed && Engine.isRetryable($0) }
        }
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// What `open` found or did.
    public enum Opening: Sendable {
        /// A new incident, journaled; its steps have not started.
        case opened(IncidentRecord)
        /// The playbook's unfinished incident (one at a time per playbook).
        case existing(IncidentRecord)
        /// The playbook's `if` is not true now: no incident. The note says why.
        case declined(note: String)
    }

    /// Opens an incident for the playbook (journaled before anything runs), or finds its
    /// unfinished one. Runs nothing: `run` and `runIncident` do.
    public func open(_ playbook: Playbook, _ request: RunRequest) async throws -> Opening {
        if let existing = try await journal.unfinishedIncident(playbook: playbook.name.value) { return .existing(existing) }
        let trigger: Trigger
        do {
            trigger = try Planner.chooseTrigger(playbook, request.triggerID).0
        } catch {
            throw Problem(description: error.description)
        }
        let start = clock.now()
        let incidentID = try await freeIncidentID(playbook: playbook.name.value, start: start)
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
                return .declined(note: "the playbook's 'if' is \(result == false ? "false" : "unknown (\(reason ?? ""))"): \(playbook.condition!.text); nothing runs")
            }
        }
        try await journal.createIncident(record)
        return .opened(record)
    }

    /// The most incidents of one playbook that can be opened within one second.
    static let incidentsPerSecond = 1_000

    /// The id for an incident of the playbook opening at `start`: the first of `Facts.incidentID`'s
    /// candidates (`…Z`, `…Z-2`, …) that the journal does not hold yet, so that a `recover` then a
    /// `run` within one second open two incidents. Two processes opening one at the same instant
    /// still meet the journal's primary key: the second fails rather than open a second incident.
    func freeIncidentID(playbook: String, start: Date) async throws -> String {
        for ordinal in 1...Self.incidentsPerSecond {
            let id = Facts.incidentID(playbook: playbook, start: start, ordinal: ordinal)
            if try await journal.incidentStatus(id) == nil { return id }
        }
        throw Problem(description: "more than \(Self.incidentsPerSecond) incidents of playbook '\(playbook)' opened within one second")
    }

    /// `playbook run`: starts an incident, or resumes the unfinished one of this playbook.
    public func run(_ playbook: Playbook, _ request: RunRequest) async throws -> Outcome {
        if request.retryFailed {
            guard let existing = try await journal.unfinishedIncident(playbook: playbook.name.value) else {
                throw Problem(description: Self.nothingToRetry(playbook))
            }
            if try await reopenFailedSteps(playbook, incident: existing, recovery: existing.status == .recovering).isEmpty {
                progress.report(.log(step: nil, message: "incident \(existing.id) has no failed step to retry"))
            }
        }
        switch try await open(playbook, request) {
        case .declined(let note):
            return Outcome(incident: nil, resumed: false, statuses: [:], interrupted: false, note: note, failsRun: false)
        case .opened(let record):
            progress.report(.incidentOpened(id: record.id, resumed: false))
            return try await runSection(playbook, incident: record, recovery: false, resumed: false, vars: request.assignments)
        case .existing(let existing):
            if existing.status == .active {
                let ended = try await journal.steps(incident: existing.id).filter { $0.section == "steps" && $0.status.isFinal }
                if Set(ended.map(\.step)).isSuperset(of: playbook.steps.map(\.id.value)) {
                    // Nothing left to do: no new incident, and not a failed run (the run that had
                    // a failure reported it).
                    let statuses = Dictionary(ended.map { ($0.step, $0.status) }, uniquingKeysWith: { a, _ in a })
                    let note = "every step of incident \(existing.id) has ended and it is still active, so no new incident is opened; "
                        + "run 'playbook recover' when the outage is over"
                    return Outcome(
                        incident: existing.id, resumed: true, statuses: statuses, interrupted: false, note: note, failsRun: false,
                        canRetryFailures: Outcome.canRetryFailures(statuses, steps: playbook.steps))
                }
            }
            progress.report(.incidentOpened(id: existing.id, resumed: true))
            if existing.status == .recovering { return try await runSection(playbook, incident: existing, recovery: true, resumed: true) }
            var outcome = try await runSection(playbook, incident: existing, recovery: false, resumed: true)
            if !outcome.interrupted, outcome.statuses.count == playbook.steps.count {
                outcome.note = outcome.note ?? "incident \(existing.id) stays active until it is recovered: run 'playbook recover' when the outage is over"
            }
            return outcome
        }
    }

    /// Runs what is left of an incident: its steps while it is active, its recovery once it has resolved.
    public func runIncident(_ playbook: Playbook, _ incident: IncidentRecord, resumed: Bool, vars: [(path: [String], value: Value)] = []) async throws -> Outcome {
        progress.report(.incidentOpened(id: incident.id, resumed: resumed))
        return try await runSection(playbook, incident: incident, recovery: incident.status == .recovering, resumed: resumed, vars: vars)
    }

    /// `playbook recover`: marks the unfinished incident resolved now and runs `recovery`.
    ///
    /// With `retryFailed`, the failed steps of a recovery that already ran are reopened first
    /// (`reopenFailedSteps`): of the unfinished incident, or else of the playbook's latest
    /// incident when its recovery ended with a failure, which goes back to recovering.
    public func recover(_ playbook: Playbook, retryFailed: Bool = false) async throws -> Outcome {
        var unfinished = try await journal.unfinishedIncident(playbook: playbook.name.value)
        if unfinished == nil, retryFailed {
            guard var last = try await lastIncidentWithFailedRecovery(playbook) else {
                throw Problem(description: "playbook '\(playbook.name.value)' has no active incident and its last recovery had no failed step: nothing to retry")
            }
            try await journal.setIncident(last.id, status: .recovering)
            last.status = .recovering
            unfinished = last
        }
        guard var incident = unfinished else {
            let failedRecovery = try await lastIncidentWithFailedRecovery(playbook).map {
                "; the recovery of its last incident, \($0.id), ended with a failed step: once the cause is fixed, add --retry-failed to run that again"
            }
            throw Problem(description: "playbook '\(playbook.name.value)' has no active incident to recover" + (failedRecovery ?? ""))
        }
        if retryFailed, incident.status == .recovering, try await reopenFailedSteps(playbook, incident: incident, recovery: true).isEmpty {
            progress.report(.log(step: nil, message: "incident \(incident.id)'s recovery has no failed step to retry"))
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
