import Foundation
import PlaybookCore

extension Engine {
    /// Runs one section (`steps` or `recovery`) of an incident as a graph: each step starts at
    /// `max(at, end(d) + delay)` over the steps it comes after — with the real ends, so a slow step
    /// delays those after it — and steps already final in the journal are not run again.
    func runSection(_ playbook: Playbook, incident: IncidentRecord, recovery: Bool, resumed: Bool,
                    vars: [(path: [String], value: Value)] = []) async throws -> Outcome {
        let steps = recovery ? playbook.recovery : playbook.steps
        let base = recovery ? (incident.resolvedAt ?? clock.now()) : incident.startedAt
        let ids = Set(steps.map(\.id.value))
        let journaled = Dictionary(try await journal.steps(incident: incident.id).filter { ids.contains($0.step) }.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        let board = StepBoard(known: journaled.compactMapValues { $0.status.isFinal ? ($0.status, $0.finishedAt ?? base) : nil })
        if recovery { try await skipStepsNotStarted(playbook, incident: incident) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for step in steps {
                group.addTask {
                    try await runStep(step, playbook: playbook, incident: incident, recovery: recovery, base: base, board: board,
                                      previous: journaled[step.id.value], vars: vars)
                }
            }
            try await group.waitForAll()
        }

        let statuses = await board.statuses
        let interrupted = stop.isRequested && statuses.count < steps.count
        if !interrupted, recovery {
            try await journal.setIncident(incident.id, status: .finished)
        }
        return Outcome(incident: incident.id, resumed: resumed, statuses: statuses, interrupted: interrupted, note: nil,
                       failsRun: Outcome.failsRun(statuses, steps: steps), canRetryFailures: Outcome.canRetryFailures(statuses, steps: steps))
    }

    private func runStep(_ step: Step, playbook: Playbook, incident: IncidentRecord, recovery: Bool, base: Date, board: StepBoard,
                         previous: StepRecord?, vars: [(path: [String], value: Value)]) async throws {
        let id = step.id.value
        if let previous, previous.status.isFinal { return }
        guard let start = await start(of: step, base: base, board: board, ranBefore: previous?.startedAt != nil) else { return }
        let section = recovery ? "recovery" : "steps"
        if start > clock.now() {
            progress.report(.stepWaiting(step: id, until: start))
            guard await stop.sleep(until: start, clock: clock) else {
                await board.abandonAll()
                return
            }
        }
        guard !stop.isRequested else {
            await board.abandonAll()
            return
        }
        // No step of the incident starts once it has resolved (elsewhere, while this one waited):
        // what is left is for recovery.
        if !recovery, await !isStillActive(incident) {
            try await finish(step, incident: incident, section: section, status: .skipped, detail: Self.skippedAfterResolution, board: board)
            return
        }
        let now = clock.now()
        // Only an `if` reads other steps' outcomes: the journal is not read for a step without one.
        var statuses: [String: String] = [:]
        if step.condition != nil { statuses = await stepStatuses(playbook, incident: incident, recovery: recovery, board: board) }
        // A step of `steps` starts only while the incident is active (checked above); recovery
        // steps see it resolved.
        let facts = self.facts(playbook, incident, vars: vars, at: now, active: !recovery, statuses: statuses)
        if let condition = step.condition?.expression {
            let (result, reason) = Evaluator(resolve: { facts.resolve($0) }).condition(condition)
            if result != true {
                let why = result == false ? "its 'if' is false: \(step.condition!.text)" : "its 'if' could not be decided: \(reason ?? "")"
                try await finish(step, incident: incident, section: section, status: .skipped, detail: why, board: board)
                return
            }
        }
        if let approval = await unapprovedGate(of: step, in: recovery ? playbook.recovery : playbook.steps, board: board) {
            try await finish(step, incident: incident, section: section, status: .skipped, detail: "approval '\(approval)' was not approved", board: board)
            return
        }
        try await journal.setStep(StepRecord(incident: incident.id, step: id, section: section, status: .running, attempts: (previous?.attempts ?? 0) + 1,
                                             startedAt: now, finishedAt: nil, detail: nil))
        progress.report(.stepStarted(step: id))
        let result = await perform(step, playbook: playbook, incident: incident, facts: facts)
        if stop.isRequested, result.status != .succeeded {
            // Interrupted mid-step: leave it running in the journal so the next run resumes it.
            await board.abandonAll()
            return
        }
        try await finish(step, incident: incident, section: section, status: result.status, detail: result.detail, board: board,
                         attempts: (previous?.attempts ?? 0) + 1, startedAt: now)
    }

    /// When the step is due: `max(at, end(d) + delay)` over the steps it comes after, with their
    /// real ends. It waits for them to end whatever their outcome: `after` orders, it never
    /// cancels (a success dependency or a fallback is the step's own `if`). Nil when the run stops
    /// before they end.
    ///
    /// This is the one place that waits for predecessors: a step kind that gates what comes after
    /// it (an approval) would decide here, from the outcomes `board.wait` returns.
    ///
    /// A step that `ranBefore` (resumed, or reopened by `--retry-failed`) has had its time: it
    /// still waits for its predecessors to end (they may be running again too), not for its `at`
    /// or `delay` once more.
    private func start(of step: Step, base: Date, board: StepBoard, ranBefore: Bool) async -> Date? {
        var start = ranBefore ? Date.distantPast : base.addingTimeInterval(step.at)
        for dependency in step.after {
            guard let (_, end) = await board.wait(for: dependency.value) else { return nil }
            if !ranBefore { start = max(start, end.addingTimeInterval(step.delay)) }
        }
        return start
    }

    /// The first approval this step names in `after` that did not succeed, unless the step's
    /// `if` reads that approval's status (then the `if` alone decides): an approval gates what
    /// names it, the one exception to "a failure cancels nothing".
    private func unapprovedGate(of step: Step, in section: [Step], board: StepBoard) async -> String? {
        let read = Set((step.condition?.expression?.names ?? []).compactMap { $0.count == 3 && $0[0] == "steps" ? $0[1] : nil })
        let statuses = await board.statuses
        for dependency in step.after where !read.contains(dependency.value) {
            guard section.contains(where: { $0.id.value == dependency.value && $0.action.approvalRequest != nil }) else { continue }
            if statuses[dependency.value] != .succeeded { return dependency.value }
        }
        return nil
    }

    /// `steps.ID.status` for a step's `if`: every step of the playbook, both sections, is
    /// `'pending'` until it has ended. This section's outcomes are on the board; the other
    /// section's come from the journal (a recovery step reads how the incident's steps ended) and
    /// stay unknown when it cannot be read, so that the `if` is not decided on a guess.
    private func stepStatuses(_ playbook: Playbook, incident: IncidentRecord, recovery: Bool, board: StepBoard) async -> [String: String] {
        let (own, other) = recovery ? (playbook.recovery, playbook.steps) : (playbook.steps, playbook.recovery)
        var statuses: [String: String] = [:]
        for step in own { statuses[step.id.value] = StepStatus.pending.rawValue }
        if let records = try? await journal.steps(incident: incident.id) {
            let ended = Dictionary(records.filter(\.status.isFinal).map { ($0.step, $0.status) }, uniquingKeysWith: { a, _ in a })
            for step in other { statuses[step.id.value] = (ended[step.id.value] ?? .pending).rawValue }
        }
        for (id, status) in await board.statusTexts { statuses[id] = status }
        return statuses
    }

    private func finish(_ step: Step, incident: IncidentRecord, section: String, status: StepStatus, detail: String?, board: StepBoard,
                        attempts: Int = 0, startedAt: Date? = nil) async throws {
        let end = clock.now()
        let clean = detail.map(redactor.redact)
        try await journal.setStep(StepRecord(incident: incident.id, step: step.id.value, section: section, status: status, attempts: attempts,
                                             startedAt: startedAt ?? end, finishedAt: end, detail: clean))
        progress.report(.stepFinished(step: step.id.value, status: status, detail: clean))
        await board.finish(step.id.value, status: status, at: end)
    }

    /// The outcome of performing a step's action.
    struct ActionResult: Sendable {
        var status: StepStatus
        var detail: String?

        static func succeeded(_ detail: String? = nil) -> ActionResult { ActionResult(status: .succeeded, detail: detail) }
        static func failed(_ detail: String) -> ActionResult { ActionResult(status: .failed, detail: detail) }
    }

    func perform(_ step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts) async -> ActionResult {
        switch step.action {
        case .log(let message):
            let text: String
            do {
                text = try MessageRenderer(subject: nil, text: message.value, html: nil).render(contact: nil, values: MessageValues(facts: facts)).text
            } catch {
                return .failed(error.description)
            }
            progress.report(.log(step: step.id.value, message: text))
            do {
                try await journal.log(incident: incident.id, step: step.id.value, message: redactor.redact(text), at: clock.now())
            } catch {
                return .failed("cannot journal the log line: \(error)")
            }
            return .succeeded()
        case .wait(let seconds):
            guard await stop.sleep(until: clock.now().addingTimeInterval(seconds), clock: clock) else { return .failed("interrupted") }
            return .succeeded()
        case .notify:
            if let shared = journal.shared { return await notifyShared(step, playbook: playbook, incident: incident, facts: facts, shared: shared) }
            return await notify(step, playbook: playbook, incident: incident, facts: facts)
        case .post:
            return await post(step, playbook: playbook, incident: incident, facts: facts)
        case .pauseAds, .resumeAds:
            return await ads(step, playbook: playbook, incident: incident)
        case .reschedulePosts, .restorePosts:
            return await calendar(step, playbook: playbook, incident: incident)
        case .webhook:
            return await webhook(step, playbook: playbook, incident: incident, facts: facts)
        case .approve(let request):
            return await approve(step, request, playbook: playbook, incident: incident, facts: facts)
        }
    }
}

/// Which steps of a section have ended, how, and when; steps wait here for those they come after.
actor StepBoard {
    private var ended: [String: (StepStatus, Date)]
    private var waiters: [String: [CheckedContinuation<(StepStatus, Date)?, Never>]] = [:]
    private var abandoned = false

    init(known: [String: (StepStatus, Date)]) {
        ended = known
    }

    func wait(for id: String) async -> (StepStatus, Date)? {
        if let done = ended[id] { return done }
        if abandoned { return nil }
        return await withCheckedContinuation { waiters[id, default: []].append($0) }
    }

    func finish(_ id: String, status: StepStatus, at end: Date) {
        ended[id] = (status, end)
        for waiter in waiters.removeValue(forKey: id) ?? [] { waiter.resume(returning: (status, end)) }
    }

    /// Releases steps waiting for ones that will never end in this run (interrupted).
    func abandonAll() {
        abandoned = true
        for (_, list) in waiters { for waiter in list { waiter.resume(returning: nil) } }
        waiters.removeAll()
    }

    var statuses: [String: StepStatus] { ended.mapValues(\.0) }
    var statusTexts: [String: String] { ended.mapValues(\.0.rawValue) }
}
