import Foundation
import PlaybookCore

/// Watches one playbook: feeds its trigger state machines with observations, keeps their states
/// in the journal, opens the incident through the engine when a trigger fires and runs recovery
/// when the incident resolves. One incident at a time: the engine's operations on this playbook
/// run one after another (a new incident waits until the previous one's recovery has ended).
actor PlaybookMonitor {
    let playbook: Playbook
    let name: String
    let engine: Engine
    let journal: any Journal
    let clock: any EngineClock
    let reporter: any WatchReporter
    private let metrics: WatchMetrics
    private let stop: StopSignal

    private var machine: TriggerStateMachine
    private var facts: [String: [String: Value]] = [:]
    private var observedAt: [String: Date] = [:]
    private var platformStates: [String: [String: Bool]] = [:]
    private var failingSources: Set<String> = []
    private var deadline: (at: Date, task: Task<Void, Never>)?
    /// The engine's operations on this playbook (open, recover), in order.
    private var queue: Task<Void, Never>?
    /// Incidents' steps running (they may wait hours for a step's `at`).
    private(set) var runs: [UUID: Task<Void, Never>] = [:]
    /// The open incident of the machine that the playbook's `if` declined, and when it last did.
    private var declinedAt: Date?
    /// The journal's incident for the machine's open incident.
    private(set) var incidentID: String?
    /// False once another runner took the playbook over (`standDown`); `start` makes it true again.
    private(set) var leading = true

    /// How often an incident declined by the playbook's `if` is tried again while its trigger holds.
    static let declinedRetry = 60.0

    init(playbook: Playbook, engine: Engine, clock: any EngineClock, reporter: any WatchReporter, metrics: WatchMetrics, stop: StopSignal) {
        self.playbook = playbook
        self.name = playbook.name.value
        self.engine = engine
        self.journal = engine.journal
        self.clock = clock
        self.reporter = reporter
        self.metrics = metrics
        self.stop = stop
        machine = TriggerStateMachine(triggers: playbook.triggers)
    }

    /// A saved observation older than this is stale: the trigger's window restarts at its next observation.
    static func staleAfter(_ trigger: Trigger) -> Double {
        switch trigger.kind {
        case .platformDown(let down): return 3 * down.every + down.timeout
        case .trafficDrop(let drop): return 3 * drop.every + TriggerObserver.sourceTimeout
        case .webhook, .manual: return .infinity
        }
    }

    // MARK: - Starting

    /// Restores the trigger states from the journal and picks up the unfinished incident:
    /// resumes its steps (or its recovery) instead of opening another.
    func start() async throws {
        leading = true
        let now = clock.now()
        let saved = try await journal.triggerStates(playbook: name)
        let unfinished = try await journal.unfinishedIncident(playbook: name)
        var states: [String: TriggerStateMachine.TriggerState] = [:]
        for row in saved where playbook.trigger(row.trigger) != nil {
            var state = row.state
            if unfinished?.status != .active {
                // No incident for the machine to be in. A trigger that fired without one (the
                // watcher stopped before the engine opened it, or the playbook's `if` declined)
                // may fire again.
                state.inIncident = false
                if state.holds == true { state.firedThisRun = false }
            }
            states[row.trigger] = state
            if case .object(let members)? = JSONValue.parse(row.facts) {
                facts[row.trigger] = Dictionary(members.map { ($0.0, Value($0.1)) }, uniquingKeysWith: { a, _ in a })
            }
            observedAt[row.trigger] = row.observedAt
        }
        let incident = unfinished.flatMap { $0.status == .active ? TriggerStateMachine.Incident(openedAt: $0.startedAt, firedBy: $0.trigger) : nil }
        machine = TriggerStateMachine(rules: playbook.triggers.map(TriggerStateMachine.Rule.init), restoring: states, incident: incident)
        var stale: [String] = []
        for trigger in playbook.triggers where states[trigger.id.value]?.holds != nil {
            let id = trigger.id.value
            if now.timeIntervalSince(observedAt[id] ?? .distantPast) > Self.staleAfter(trigger) {
                machine.forget(id)
                stale.append(id)
            }
        }
        for trigger in playbook.triggers {
            guard let state = machine.state(of: trigger.id.value) else { continue }
            if let holds = state.holds { metrics.condition(playbook: name, trigger: trigger.id.value, holds: holds) }
            metrics.fired(playbook: name, trigger: trigger.id.value, inIncident: state.inIncident, newFire: false)
        }
        metrics.incident(playbook: name, active: unfinished != nil)
        if !saved.isEmpty || unfinished != nil {
            var fields: [(String, JSONValue)] = [("incident", unfinished.map { .string($0.id) } ?? .null)]
            let known = playbook.triggers.compactMap { trigger -> String? in
                guard let state = machine.state(of: trigger.id.value), let holds = state.holds else { return nil }
                return "\(trigger.id.value) \(holds ? "holds" : "clear") since \(WatchEvent.iso(state.since))\(state.inIncident ? ", fired" : "")"
            }
            fields.append(("triggers", .array(known.map(JSONValue.string))))
            if !stale.isEmpty { fields.append(("stale", .array(stale.map(JSONValue.string)))) }
            let incidentText = unfinished.map { "incident \($0.id) \($0.status == .active ? "open" : "recovering")" } ?? "no incident open"
            let staleText = stale.isEmpty ? "" : "; last seen too long ago, watched afresh: \(stale.joined(separator: ", "))"
            reporter.report(
                WatchEvent(
                    time: now, name: "state_restored", playbook: name, fields: fields,
                    message: "picked up from the journal: \(incidentText)\(known.isEmpty ? "" : "; " + known.joined(separator: "; "))\(staleText)"))
        }
        if let unfinished {
            incidentID = unfinished.id
            if unfinished.status == .active {
                startRun(unfinished, resumed: true)
            } else {
                enqueue { await self.runRecovery(resuming: unfinished) }
            }
        }
        rearm()
    }

    // MARK: - Observations

    /// Records one observation of a trigger's condition.
    func observe(_ trigger: String, _ sample: ConditionSample) async {
        guard leading else { return }
        let now = clock.now()
        if failingSources.remove(trigger) != nil {
            reporter.report(
                WatchEvent(
                    time: now, name: "source_recovered", playbook: name, fields: [("trigger", .string(trigger))],
                    message: "\(trigger): its source answers again"))
        }
        if !sample.platforms.isEmpty {
            var states = platformStates[trigger] ?? [:]
            for platform in sample.platforms where states[platform.id] != platform.down {
                let known = states[platform.id] != nil
                states[platform.id] = platform.down
                if known || platform.down {
                    reporter.report(
                        WatchEvent(
                            time: now, name: platform.down ? "platform_down" : "platform_up", playbook: name,
                            fields: [("trigger", .string(trigger)), ("platform", .string(platform.id)), ("detail", .string(platform.detail))],
                            message: "\(PlatformCatalog.names([platform.id])) is \(platform.down ? "down" : "up"): \(platform.detail)", isWarning: platform.down
                        ))
                }
            }
            platformStates[trigger] = states
            metrics.platforms(playbook: name, trigger: trigger, states)
        }
        let before = facts
        facts[trigger] = sample.facts
        observedAt[trigger] = now
        let transitions = machine.observe([trigger: sample.holds], at: now)
        await apply(transitions, now: now, factsBefore: before, detail: [trigger: sample.detail])
    }

    /// A source could not be read: no observation (the last one holds), a warning when it starts.
    func sourceFailed(_ trigger: String, _ failure: SourceFailure) {
        metrics.sourceError(
            playbook: name,
            source: playbook.trigger(trigger).flatMap { if case .trafficDrop(let drop) = $0.kind { return drop.source.value } else { return nil } } ?? trigger)
        guard failingSources.insert(trigger).inserted else { return }
        reporter.report(
            WatchEvent(
                time: clock.now(), name: "source_failed", playbook: name, fields: [("trigger", .string(trigger)), ("reason", .string(failure.message))],
                message: "\(trigger): cannot read its source: \(failure.message) (its last observation holds)", isWarning: true))
    }

    /// A request to a webhook trigger's path: the alert holds, or (`"status": "resolved"`) clears.
    func webhook(_ trigger: String, payload: JSONValue) async -> (holds: Bool, incidentOpen: Bool) {
        let holds = !TriggerConditions.webhookResolves(payload)
        await observe(trigger, ConditionSample(holds: holds, facts: ["payload": Value(payload)], detail: holds ? "alert received" : "resolved received"))
        return (holds, machine.incident != nil)
    }

    /// Lets time pass: whatever fell due (a fire after `for`, the resolution after `clear_for`).
    func tick() async {
        guard leading else { return }
        let now = clock.now()
        deadline = nil
        await apply(machine.advance(to: now), now: now, factsBefore: facts, detail: [:])
    }

    private func apply(_ transitions: [TriggerStateMachine.Transition], now: Date, factsBefore: [String: [String: Value]], detail: [String: String]) async {
        for transition in transitions {
            switch transition {
            case .condition(let trigger, let holds, let at):
                metrics.condition(playbook: name, trigger: trigger, holds: holds)
                let rule = machine.rules.first { $0.id == trigger }
                let waiting =
                    holds
                    ? (rule.map { $0.holdFor > 0 ? "; fires if it holds for \(Duration.format(seconds: $0.holdFor))" : "" } ?? "")
                    : (machine.state(of: trigger)?.inIncident == true
                        ? rule.map { "; the incident waits \(Duration.format(seconds: $0.clearFor)) clear" } ?? "" : "")
                reporter.report(
                    WatchEvent(
                        time: at, name: holds ? "trigger_holds" : "trigger_clear", playbook: name,
                        fields: [("trigger", .string(trigger)), ("detail", .string(detail[trigger] ?? ""))],
                        message: "\(trigger): condition \(holds ? "holds" : "clear")\(detail[trigger].map { " (\($0))" } ?? "")\(waiting)"))
            case .fired(let trigger, let at, let opened):
                metrics.fired(playbook: name, trigger: trigger, inIncident: true, newFire: true)
                reporter.report(
                    WatchEvent(
                        time: at, name: "trigger_fired", playbook: name, fields: [("trigger", .string(trigger)), ("opens_incident", .bool(opened))],
                        message: opened ? "\(trigger): fired; opening an incident" : "\(trigger): fired; the open incident also waits for it to clear",
                        isWarning: true))
                if opened {
                    declinedAt = nil
                    let firingFacts = (at < now ? factsBefore : facts)[trigger] ?? [:]
                    enqueue { await self.openIncident(trigger: trigger, facts: firingFacts) }
                }
            case .resolved(let at):
                for trigger in machine.rules { metrics.fired(playbook: name, trigger: trigger.id, inIncident: false, newFire: false) }
                reporter.report(
                    WatchEvent(
                        time: at, name: "incident_resolved", playbook: name, fields: [("incident", incidentID.map(JSONValue.string) ?? .null)],
                        message:
                            "every trigger that fired has been clear for its clear_for: \(incidentID.map { "incident \($0) resolved" } ?? "resolved"); running recovery"
                    ))
                let declined = declinedAt != nil
                declinedAt = nil
                enqueue { await self.recover(declined: declined) }
            }
        }
        // An incident the playbook's `if` declined is tried again while it lasts.
        if let declined = declinedAt, let incident = machine.incident, now.timeIntervalSince(declined) >= Self.declinedRetry {
            declinedAt = now
            let trigger = incident.firedBy
            let current = facts[trigger] ?? [:]
            enqueue { await self.openIncident(trigger: trigger, facts: current) }
        }
        await persist()
        rearm()
    }

    private func persist() async {
        let rows = playbook.triggers.compactMap { trigger -> SavedTriggerState? in
            let id = trigger.id.value
            guard let state = machine.state(of: id), state.holds != nil || state.inIncident || observedAt[id] != nil else { return nil }
            let json = JSONValue.object((facts[id] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })
            return SavedTriggerState(trigger: id, state: state, observedAt: observedAt[id], facts: json.serialized())
        }
        do {
            try await journal.saveTriggerStates(playbook: name, rows)
        } catch {
            reporter.report(
                WatchEvent(
                    time: clock.now(), name: "journal_error", playbook: name, fields: [("reason", .string("\(error)"))],
                    message: "cannot journal trigger states: \(error)", isWarning: true))
        }
    }

    /// Wakes at the machine's next deadline (a fire after `for`, the resolution after `clear_for`).
    private func rearm() {
        guard let next = machine.nextDeadline else {
            deadline?.task.cancel()
            deadline = nil
            return
        }
        if deadline?.at == next { return }
        deadline?.task.cancel()
        let clock = self.clock
        let stop = self.stop
        deadline = (
            next,
            Task {
                guard await stop.sleep(until: next, clock: clock), !Task.isCancelled else { return }
                await self.tick()
            }
        )
    }

    // MARK: - The engine

    func enqueue(_ operation: @escaping @Sendable () async -> Void) {
        let previous = queue
        queue = Task {
            await previous?.value
            await operation()
        }
    }

    func openIncident(trigger: String, facts: [String: Value]) async {
        let assignments: [(path: [String], value: Value)] = facts.sorted { $0.key < $1.key }.map { (["trigger", $0.key], $0.value) }
        let now = clock.now()
        do {
            switch try await engine.open(playbook, Engine.RunRequest(triggerID: trigger, assignments: assignments)) {
            case .opened(let record):
                incidentID = record.id
                declinedAt = nil
                metrics.incident(playbook: name, active: true, opened: true)
                reporter.report(
                    WatchEvent(
                        time: now, name: "incident_opened", playbook: name, fields: [("incident", .string(record.id)), ("trigger", .string(trigger))],
                        message: "incident \(record.id) opened by \(trigger)", isWarning: true))
                startRun(record, resumed: false, vars: assignments)
            case .existing(let record):
                incidentID = record.id
                declinedAt = nil
                reporter.report(
                    WatchEvent(
                        time: now, name: "incident_exists", playbook: name, fields: [("incident", .string(record.id)), ("trigger", .string(trigger))],
                        message: "\(trigger) fired but incident \(record.id) is still unfinished (\(record.status.rawValue)): not opening another"))
            case .declined(let note):
                if declinedAt == nil {
                    reporter.report(
                        WatchEvent(
                            time: now, name: "incident_declined", playbook: name, fields: [("trigger", .string(trigger)), ("reason", .string(note))],
                            message: "\(note); tried again every \(Duration.format(seconds: Self.declinedRetry)) while the incident lasts"))
                }
                declinedAt = now
            }
        } catch {
            reporter.report(
                WatchEvent(
                    time: now, name: "engine_error", playbook: name, fields: [("reason", .string("\(error)"))],
                    message: "cannot open an incident: \(error)", isWarning: true))
        }
    }

    private func startRun(_ incident: IncidentRecord, resumed: Bool, vars: [(path: [String], value: Value)] = []) {
        let id = UUID()
        let engine = self.engine
        let playbook = self.playbook
        runs[id] = Task {
            do {
                let outcome = try await engine.runIncident(playbook, incident, resumed: resumed, vars: vars)
                self.report(outcome, section: "steps")
            } catch {
                self.reportEngineError(error)
            }
            self.ended(id)
        }
    }

    private func ended(_ run: UUID) { runs[run] = nil }

    /// Reopens the failed steps of the active incident and runs them again (`retryByHand`).
    /// Looked at again here, in the queue's order: a recovery queued before the retry has
    /// resolved the incident meanwhile, and its steps must not run again.
    func retrySteps(of incident: IncidentRecord) async {
        do {
            guard incidentID == incident.id, try await journal.incidentStatus(incident.id) == .active else {
                reporter.report(
                    WatchEvent(
                        time: clock.now(), name: "retry_skipped", playbook: name, fields: [("incident", .string(incident.id))],
                        message: "incident \(incident.id) resolved before its failed steps could run again: nothing retried"))
                return
            }
            try await engine.reopenFailedSteps(playbook, incident: incident, recovery: false)
            startRun(incident, resumed: true)
        } catch {
            reportEngineError(error)
        }
    }

    /// Recovers the open incident; with `retryFailed`, runs the failed steps of a recovery again
    /// (`Engine.recover(_:retryFailed:)`), which counts as no new resolution.
    func recover(declined: Bool, retryFailed: Bool = false) async {
        do {
            let outcome = try await engine.recover(playbook, retryFailed: retryFailed)
            metrics.incident(playbook: name, active: false, resolved: !retryFailed)
            incidentID = nil
            report(outcome, section: "recovery")
        } catch let problem as Engine.Problem {
            let why = declined ? "the playbook's 'if' declined the incident, so there is nothing to recover" : problem.description
            reporter.report(
                WatchEvent(time: clock.now(), name: "recovery_skipped", playbook: name, fields: [("reason", .string(why))], message: "no recovery: \(why)"))
        } catch {
            reportEngineError(error)
        }
    }

    private func runRecovery(resuming incident: IncidentRecord) async {
        do {
            report(try await engine.runIncident(playbook, incident, resumed: true), section: "recovery")
            metrics.incident(playbook: name, active: false)
            incidentID = nil
        } catch {
            reportEngineError(error)
        }
    }

    private func report(_ outcome: Engine.Outcome, section: String) {
        let counts = Dictionary(grouping: outcome.statuses.values, by: { $0 }).mapValues(\.count)
        let summary = StepStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }.joined(separator: ", ")
        let what = outcome.interrupted ? "interrupted (resumed when the watcher starts again)" : (summary.isEmpty ? "nothing to do" : summary)
        reporter.report(
            WatchEvent(
                time: clock.now(), name: section == "recovery" ? "recovery_finished" : "steps_finished", playbook: name,
                fields: [
                    ("incident", outcome.incident.map(JSONValue.string) ?? .null), ("interrupted", .bool(outcome.interrupted)),
                    ("statuses", .object(outcome.statuses.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.rawValue)) })),
                ],
                message: "incident \(outcome.incident ?? "-"): \(section) \(what)\(outcome.note.map { " (\($0))" } ?? "")", isWarning: outcome.anyFailed))
    }

    private func reportEngineError(_ error: any Error) {
        reporter.report(
            WatchEvent(
                time: clock.now(), name: "engine_error", playbook: name, fields: [("reason", .string("\(error)"))],
                message: "the incident's run failed: \(error)", isWarning: true))
    }

    // MARK: - Stopping and state

    /// Another runner leads the playbook now: no more deadlines here. Work already started
    /// (an incident's steps) goes on and is journaled; the new leader resumes from the journal.
    func standDown() {
        deadline?.task.cancel()
        deadline = nil
        leading = false
    }

    /// Waits for the engine's work on this playbook (with a stop requested, calls in flight end
    /// and are journaled; steps not started are left for the next start).
    func finish() async {
        deadline?.task.cancel()
        deadline = nil
        await idle()
    }

    /// Waits until the engine has nothing left to do on this playbook now (its queue is empty
    /// and no incident's steps are running), for tests.
    func idle() async {
        while true {
            if let pending = queue {
                await pending.value
                if queue == pending { queue = nil }
            } else if let run = runs.values.first {
                await run.value
            } else {
                return
            }
        }
    }

    var isIncidentOpen: Bool { machine.incident != nil }

    func triggerState(_ id: String) -> TriggerStateMachine.TriggerState? { machine.state(of: id) }
}
