import Foundation

/// Plans one section (`steps` or `recovery`): each step's offset, and whether it will run given
/// its `if`, the playbook's `if`, the incident's resolution and the approvals that gate it.
///
/// An approval is the one step whose outcome gates others: a step whose `after` names an
/// `approve` step runs only if that approval succeeded, unless its own `if` reads the approval's
/// `steps.ID.status`, which then decides alone. Gates are direct: a step after a gated step is
/// not gated. Until a person decides, an approval and the steps it gates are `will_run: null`.
struct SectionPlanner {
    let steps: [Step]
    let base: Facts
    let plan: Plan
    let approvals: [String: ApprovalDecision]
    /// Maps a step's offset in the section to its offset from the incident's start (nil when
    /// unknown) and whether the incident is still active then.
    let moment: (Double) -> (Double?, Bool?)

    private let byID: [String: Step]
    private let offsets: [String: Double]
    private var done: [String: PlannedStep] = [:]
    /// How each approval ends, as far as the plan can tell: `'succeeded'`, `'failed'`,
    /// `'skipped'`, or absent while undecided (or while whether it runs at all is unknown).
    private var approvalStatus: [String: String] = [:]
    private var visiting: Set<String> = []

    private init(steps: [Step], base: Facts, plan: Plan, approvals: [String: ApprovalDecision], moment: @escaping (Double) -> (Double?, Bool?)) {
        self.steps = steps
        self.base = base
        self.plan = plan
        self.approvals = approvals
        self.moment = moment
        byID = Dictionary(steps.map { ($0.id.value, $0) }, uniquingKeysWith: { first, _ in first })
        // An approval that times out in a scenario lasts its timeout: the steps after it start then.
        var durations: [String: Double] = [:]
        for step in steps {
            if let request = step.action.approvalRequest, approvals[step.id.value] == .timeout { durations[step.id.value] = request.timeout }
        }
        offsets = Timeline.offsets(of: steps, durations: durations)
    }

    /// Plans `steps`: the planned steps, in the section's order.
    static func plan(
        _ steps: [Step], base: Facts, plan: Plan, approvals: [String: ApprovalDecision], moment: @escaping (Double) -> (Double?, Bool?)
    ) -> [PlannedStep] {
        var planner = SectionPlanner(steps: steps, base: base, plan: plan, approvals: approvals, moment: moment)
        var planned: [PlannedStep] = []
        for step in steps { planned.append(planner.planStep(step)) }
        return planned
    }

    private mutating func planStep(_ step: Step) -> PlannedStep {
        if let known = done[step.id.value] { return known }
        visiting.insert(step.id.value)
        defer { visiting.remove(step.id.value) }
        // The approvals this step names in `after`, planned first: their outcome gates it.
        let gating = step.after.map(\.value).filter { id in
            id != step.id.value && !visiting.contains(id) && byID[id]?.action.approvalRequest != nil
        }
        for id in gating where done[id] == nil { _ = planStep(byID[id]!) }
        let readByCondition = Set((step.condition?.expression?.names ?? []).compactMap { $0.count == 3 && $0[0] == "steps" ? $0[1] : nil })

        let offset = offsets[step.id.value] ?? 0
        let (fromStart, active) = moment(offset)
        var planned = PlannedStep(
            id: step.id.value, action: step.action.name, offset: offset, start: fromStart.map { plan.start.addingTimeInterval($0) },
            duration: step.action.duration, willRun: plan.playbookWillRun, reason: plan.playbookReason,
            channels: step.action.channels.map(\.value), summary: "", after: step.after.map(\.value),
            isConditional: step.condition != nil, deliveries: nil, countsUnknownReason: nil
        )
        if active == false, !step.isRecovery, plan.playbookWillRun != false {
            // Due after the incident resolves: the engine skips it, whatever its `if`.
            planned.willRun = false
            planned.reason = "the incident has resolved by then"
        } else if plan.playbookWillRun != false, let condition = step.condition?.expression {
            var known = base.at(offset: fromStart, active: active)
            // The step starts after the approvals it names have ended: their outcome is known when they are decided.
            for id in gating { if let status = approvalStatus[id] { known.stepStatuses[id] = status } }
            let facts = known
            let (result, reason) = Evaluator(resolve: { facts.resolve($0) }).condition(condition)
            switch (plan.playbookWillRun, result) {
            case (_, false?): (planned.willRun, planned.reason) = (false, "its 'if' is false: \(step.condition!.text)")
            case (true?, true?): (planned.willRun, planned.reason) = (true, nil)
            case (true?, nil): (planned.willRun, planned.reason) = (nil, reason)
            default: (planned.willRun, planned.reason) = (nil, plan.playbookReason ?? reason)
            }
        }
        if planned.willRun == nil, let read = gating.first(where: { readByCondition.contains($0) && approvalStatus[$0] == nil }) {
            planned.awaitsApproval = read
        }
        gate(&planned, by: gating.filter { !readByCondition.contains($0) })
        if let request = step.action.approvalRequest { decide(&planned, request) }
        done[step.id.value] = planned
        return planned
    }

    /// Applies the approvals a step names in `after` (and whose status its `if` does not read).
    private func gate(_ planned: inout PlannedStep, by gating: [String]) {
        guard planned.willRun != false else { return }
        var undecided: [String] = []
        for id in gating {
            switch approvalStatus[id] {
            case "succeeded"?: continue
            case "failed"?:
                planned.willRun = false
                planned.reason = approvals[id] == .timeout ? "approval '\(id)' times out, which denies it (on_timeout: deny)" : "approval '\(id)' is denied"
                return
            case "skipped"?:
                planned.willRun = false
                planned.reason = "approval '\(id)' is skipped, which gates like a denial"
                return
            default: undecided.append(id)
            }
        }
        guard let first = undecided.first else { return }
        let names = undecided.map { "'\($0)'" }.joined(separator: " and ")
        let waiting = "runs only if \(names) \(undecided.count == 1 ? "is" : "are") approved, which a person decides at run time"
        planned.reason = planned.willRun == nil ? [waiting, planned.reason].compactMap { $0 }.joined(separator: "; and ") : waiting
        planned.willRun = nil
        planned.awaitsApproval = first
    }

    /// An approve step: it runs (sends its request) as its `if` says; how it ends is a person's
    /// decision, known in a scenario and unknown in a plan.
    private mutating func decide(_ planned: inout PlannedStep, _ request: ApprovalRequest) {
        let decision = approvals[planned.id]
        planned.approval = PlannedApproval(timeout: request.timeout, onTimeout: request.onTimeout, decision: decision)
        if decision == .timeout { planned.duration = request.timeout }
        switch planned.willRun {
        case false?:
            approvalStatus[planned.id] = "skipped"
        case true?:
            if let decision {
                approvalStatus[planned.id] = decision.approves(request) ? "succeeded" : "failed"
            } else {
                planned.willRun = nil
                planned.reason = "waits for a person to approve or deny, which happens at run time"
                planned.awaitsApproval = planned.id
            }
        case nil:
            if planned.awaitsApproval == nil { planned.awaitsApproval = planned.id }
        }
    }
}
