/// The plan as a pull-request comment.
struct PlanMarkdownRenderer {
    let plan: Plan

    private func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    func render() -> String {
        var out = "### Plan for `\(plan.playbook)`\n\n"
        out += "Trigger **\(plan.trigger)** (`\(plan.triggerKind)`); incident starts \(plan.clock(plan.start, withDay: true)) \(plan.timezone) (`\(Plan.iso(plan.start))`).\n\n"
        if plan.playbookWillRun != true { out += "> **The playbook \(plan.playbookWillRun == false ? "will not run" : "may not run")**: \(cell(plan.playbookReason ?? ""))\n\n" }
        for note in plan.notes { out += "> note: \(cell(note))\n\n" }
        out += table(plan.steps)
        if !plan.recovery.isEmpty {
            out += "\n**Recovery**, from the incident's resolution:\n\n" + table(plan.recovery)
        }
        let unknown = plan.unpreviewable
        if !unknown.isEmpty {
            out += "\n<details><summary>Not fully previewed (\(unknown.count))</summary>\n\n"
            for item in unknown { out += "- `\(item.id)`: \(cell(item.reason))\n" }
            out += "\n</details>\n"
        }
        return out
    }

    private func table(_ steps: [PlannedStep]) -> String {
        var out = "| offset | time | step | runs | what |\n| ---: | ---: | --- | --- | --- |\n"
        for step in steps.sorted(by: { $0.offset < $1.offset }) {
            var what = cell(step.summary)
            if let reason = step.reason, step.willRun != true {
                what += "<br>_\(step.willRun == false ? "skipped: " : (step.awaitsApproval != nil ? "" : "if: "))\(cell(reason))_"
            }
            if let d = step.deliveries { what += "<br>\(cell(d.describe(in: plan)))" }
            if let why = step.countsUnknownReason { what += "<br>_deliveries unknown: \(cell(why))_" }
            let runs = step.willRun == true ? "✅ yes" : (step.willRun == false ? "⏭️ no" : (step.awaitsApproval != nil ? "✋ awaits approval" : "❔ depends"))
            out += "| \(Plan.offsetText(step.offset)) | \(step.start.map { plan.clock($0) } ?? "–") | `\(step.id)` | \(runs) | \(what) |\n"
        }
        return out
    }
}
