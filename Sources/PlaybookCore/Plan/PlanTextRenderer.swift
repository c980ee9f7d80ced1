/// The terminal timeline: relative and wall-clock times, conditional steps marked.
struct PlanTextRenderer {
    let plan: Plan

    func render() -> String {
        var out = "Plan for \(plan.playbook) (\(plan.file))\n"
        out += "Trigger \(plan.trigger) (\(plan.triggerKind)); incident starts \(plan.clock(plan.start, withDay: true)) \(plan.timezone) (\(Plan.iso(plan.start)))\n"
        if plan.playbookWillRun != true {
            out += "The playbook itself \(plan.playbookWillRun == false ? "will not run" : "may not run"): \(plan.playbookReason ?? "")\n"
        }
        for note in plan.notes { out += "note: \(note)\n" }
        if let audience = plan.audience {
            let issues = audience.issues.summary
            out += "Contacts: \(audience.contacts) read from \(audience.path)\(issues.isEmpty ? "" : "; \(issues)")\n"
        }
        out += "\nSteps, from the incident's start:\n"
        out += lines(plan.steps)
        if !plan.recovery.isEmpty {
            let when = plan.resolvedAt.map { "resolution at \(plan.clock($0, withDay: true))" } ?? "the incident's resolution"
            out += "\nRecovery, from \(when):\n"
            out += lines(plan.recovery)
        }
        let unknown = plan.unpreviewable
        if !unknown.isEmpty {
            out += "\nNot fully previewed:\n"
            for item in unknown { out += "  - \(item.id): \(item.reason)\n" }
        }
        return out
    }

    private func lines(_ steps: [PlannedStep]) -> String {
        let width = max(8, steps.map(\.id.count).max() ?? 0)
        let markWidth = max(9, (steps.map { Plan.willRunText($0).count }.max() ?? 0) + 1)
        var out = ""
        for step in steps.sorted(by: { $0.offset < $1.offset }) {
            let offset = Plan.offsetText(step.offset).padding(toLength: 9, withPad: " ", startingAt: 0)
            let clock = step.start.map { plan.clock($0) } ?? "  -  "
            let mark = Plan.willRunText(step).padding(toLength: markWidth, withPad: " ", startingAt: 0)
            out += "  \(offset)\(clock)  \(mark) \(step.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(step.summary)\n"
            let indent = String(repeating: " ", count: 2 + 9 + 5 + 2 + markWidth + 1 + width + 2)
            if step.isConditional || step.willRun != true, let reason = step.reason {
                let label = step.willRun == false ? "skipped: " : (step.willRun == nil && step.awaitsApproval != nil ? "" : "if: ")
                out += "\(indent)\(label)\(reason)\n"
            }
            if !step.after.isEmpty { out += "\(indent)after \(step.after.joined(separator: ", "))\n" }
            if let deliveries = step.deliveries { out += "\(indent)\(deliveries.describe(in: plan))\n" }
            if let why = step.countsUnknownReason { out += "\(indent)deliveries unknown: \(why)\n" }
        }
        return out
    }
}
