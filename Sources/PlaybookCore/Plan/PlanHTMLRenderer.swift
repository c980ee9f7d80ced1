import Foundation

/// A single self-contained page: an SVG Gantt-like chart (one lane per step, the incident's start,
/// its resolution, the recovery lanes after it) above the detailed table. No scripts, no external
/// resources, so it can be attached to a CI run or opened offline.
struct PlanHTMLRenderer {
    let plan: Plan
    /// What actually happened, by step id (the console's live timeline); empty for `plan`.
    var actual: [String: StepActual] = [:]
    /// The end of a step still running, in the live timeline.
    var now: Date? = nil

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static let laneHeight = 30.0
    private static let labelWidth = 190.0
    private static let mainWidth = 640.0
    private static let recoveryWidth = 260.0

    private func colour(_ willRun: Bool?) -> String {
        switch willRun {
        case true?: return "#2f855a"
        case false?: return "#a0aec0"
        case nil: return "#d69e2e"
        }
    }

    private func axisEnd(_ steps: [PlannedStep], origin: Date?) -> Double {
        var end = steps.map { $0.offset + $0.duration }.max() ?? 0
        for step in steps { if let ran = actualSpan(step, origin: origin) { end = max(end, ran.end) } }
        return max(60, end * 1.15)
    }

    /// The seconds from `origin` at which a step actually started and ended (or `now`).
    private func actualSpan(_ step: PlannedStep, origin: Date?) -> (start: Double, end: Double)? {
        guard let origin, let record = actual[step.id], let started = record.startedAt else { return nil }
        let end = record.finishedAt ?? now ?? started
        return (max(0, started.timeIntervalSince(origin)), max(0, end.timeIntervalSince(origin)))
    }

    private func tickStep(for span: Double) -> Double {
        let candidates: [Double] = [60, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400]
        // Beyond 8 days: whole days, still at most 8 ticks, however long the timeline.
        return candidates.first { span / $0 <= 8 } ?? max(86_400, (span / 8 / 86_400).rounded(.up) * 86_400)
    }

    func svg() -> String {
        let e = Self.escape
        let mainSpan = axisEnd(plan.steps, origin: plan.start)
        let recoverySpan = axisEnd(plan.recovery, origin: plan.resolvedAt)
        let hasRecovery = !plan.recovery.isEmpty
        let lanes = plan.steps.count + plan.recovery.count
        let top = 40.0
        let height = top + Double(lanes) * Self.laneHeight + 30
        let mainX0 = Self.labelWidth
        let recoveryX0 = mainX0 + Self.mainWidth + 70
        let width = hasRecovery ? recoveryX0 + Self.recoveryWidth + 20 : mainX0 + Self.mainWidth + 20
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"Timeline of \(e(plan.playbook))\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>\n"

        func axis(x0: Double, width: Double, span: Double, label: (Double) -> String) {
            let step = tickStep(for: span)
            var t = 0.0
            while t <= span {
                let x = x0 + t / span * width
                out += "<line x1=\"\(x)\" y1=\"\(top - 6)\" x2=\"\(x)\" y2=\"\(height - 30)\" stroke=\"#edf2f7\"/>\n"
                out += "<text x=\"\(x)\" y=\"\(top - 10)\" text-anchor=\"middle\" fill=\"#4a5568\">\(e(label(t)))</text>\n"
                t += step
            }
        }
        axis(x0: mainX0, width: Self.mainWidth, span: mainSpan) { t in
            "+\(Duration.format(seconds: t)) \(plan.clock(plan.start.addingTimeInterval(t)))"
        }
        out += "<line x1=\"\(mainX0)\" y1=\"\(top - 6)\" x2=\"\(mainX0)\" y2=\"\(height - 24)\" stroke=\"#c53030\" stroke-width=\"2\"/>\n"
        out += "<text x=\"\(mainX0 + 4)\" y=\"\(height - 10)\" fill=\"#c53030\">incident starts \(e(plan.clock(plan.start, withDay: true)))</text>\n"
        if hasRecovery {
            axis(x0: recoveryX0, width: Self.recoveryWidth, span: recoverySpan) { "+\(Duration.format(seconds: $0))" }
            out += "<line x1=\"\(recoveryX0)\" y1=\"\(top - 6)\" x2=\"\(recoveryX0)\" y2=\"\(height - 24)\" stroke=\"#2b6cb0\" stroke-width=\"2\"/>\n"
            let when = plan.resolvedAt.map { "resolves \(plan.clock($0, withDay: true))" } ?? "incident resolves"
            out += "<text x=\"\(recoveryX0 + 4)\" y=\"\(height - 10)\" fill=\"#2b6cb0\">\(e(when))</text>\n"
        }

        func lane(_ step: PlannedStep, index: Int, x0: Double, width: Double, span: Double, origin: Date?) {
            let y = top + Double(index) * Self.laneHeight
            let mid = y + Self.laneHeight / 2
            if index % 2 == 0 {
                out += "<rect x=\"0\" y=\"\(y)\" width=\"\(Int(x0 + width + 10))\" height=\"\(Self.laneHeight)\" fill=\"#f7fafc\"/>\n"
            }
            out += "<text x=\"8\" y=\"\(mid + 4)\" fill=\"#1a202c\">\(e(step.id))</text>\n"
            let x = x0 + step.offset / span * width
            let fill = colour(step.willRun)
            let title = "<title>\(e(step.id)): \(e(step.summary)) (\(Plan.offsetText(step.offset)), \(Plan.willRunText(step)))</title>"
            if step.duration > 0 {
                let w = max(4, step.duration / span * width)
                out += "<rect x=\"\(x)\" y=\"\(y + 7)\" width=\"\(w)\" height=\"\(Self.laneHeight - 14)\" rx=\"3\" fill=\"\(fill)\">\(title)</rect>\n"
            } else {
                out += "<path d=\"M \(x) \(mid - 8) L \(x + 8) \(mid) L \(x) \(mid + 8) L \(x - 8) \(mid) Z\" fill=\"\(fill)\"\(step.willRun == nil ? " stroke=\"#744210\" stroke-dasharray=\"2 2\"" : "")>\(title)</path>\n"
            }
            let label = "\(step.action)\(step.deliveries.map { " · \($0.total) deliveries" } ?? "")\(step.willRun == true ? "" : " · " + Plan.willRunText(step))"
            out += "<text x=\"\(x + 12)\" y=\"\(mid + 4)\" fill=\"#4a5568\">\(e(label))</text>\n"
            if let ran = actualSpan(step, origin: origin) {
                let ax = x0 + ran.start / span * width
                let aw = max(3, (ran.end - ran.start) / span * width)
                let state = actual[step.id]?.finishedAt == nil ? "running" : "ran"
                out += "<rect class=\"actual\" x=\"\(ax)\" y=\"\(y + Self.laneHeight - 6)\" width=\"\(aw)\" height=\"4\" fill=\"#1a202c\">"
                    + "<title>\(e(step.id)) \(state) +\(Duration.format(seconds: ran.start))–+\(Duration.format(seconds: ran.end))</title></rect>\n"
            }
        }
        for (index, step) in plan.steps.enumerated() { lane(step, index: index, x0: mainX0, width: Self.mainWidth, span: mainSpan, origin: plan.start) }
        for (index, step) in plan.recovery.enumerated() {
            lane(step, index: plan.steps.count + index, x0: recoveryX0, width: Self.recoveryWidth, span: recoverySpan, origin: plan.resolvedAt)
        }
        out += "</svg>"
        return out
    }

    func render() -> String {
        let e = Self.escape
        var rows = ""
        for (section, steps) in [("steps", plan.steps), ("recovery", plan.recovery)] where !steps.isEmpty {
            rows += "<tr><th colspan=\"5\" class=\"section\">\(section == "steps" ? "Steps, from the incident's start" : "Recovery, from the resolution")</th></tr>\n"
            for step in steps {
                var what = e(step.summary)
                if let reason = step.reason, step.willRun != true {
                    what += "<br><em>\(step.willRun == false ? "skipped: " : (step.awaitsApproval != nil ? "" : "if: "))\(e(reason))</em>"
                }
                if let d = step.deliveries { what += "<br>\(e(d.describe(in: plan)))" }
                if let why = step.countsUnknownReason { what += "<br><em>deliveries unknown: \(e(why))</em>" }
                rows += "<tr><td>\(Plan.offsetText(step.offset))</td><td>\(step.start.map { plan.clock($0) } ?? "–")</td><td><code>\(e(step.id))</code></td><td class=\"\(Plan.willRunText(step).replacingOccurrences(of: " ", with: "-"))\">\(Plan.willRunText(step))</td><td>\(what)</td></tr>\n"
            }
        }
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Plan: \(e(plan.playbook))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 24px; color: #1a202c; }
            h1 { font-size: 20px; margin-bottom: 4px; }
            p.meta { color: #4a5568; margin-top: 0; }
            .legend span { display: inline-block; margin-right: 16px; }
            .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; transform: rotate(45deg); }
            table { border-collapse: collapse; margin-top: 16px; width: 100%; max-width: 1200px; }
            td, th { border-bottom: 1px solid #e2e8f0; padding: 6px 8px; text-align: left; vertical-align: top; }
            th.section { background: #edf2f7; }
            td.will-run { color: #2f855a; } td.skipped { color: #718096; } td.depends, td.awaits-approval { color: #b7791f; }
            .chart { overflow-x: auto; border: 1px solid #e2e8f0; padding: 8px; }
            </style>
            </head>
            <body>
            <h1>Plan for \(e(plan.playbook))</h1>
            <p class="meta">Trigger <strong>\(e(plan.trigger))</strong> (\(e(plan.triggerKind))) · incident starts \(e(plan.clock(plan.start, withDay: true))) \(e(plan.timezone)) (\(Plan.iso(plan.start)))\(plan.notes.map { " · " + e($0) }.joined())</p>
            <p class="legend"><span><i style="background:#2f855a"></i>will run</span><span><i style="background:#d69e2e"></i>depends on run-time facts or awaits approval</span><span><i style="background:#a0aec0"></i>skipped</span></p>
            <div class="chart">
            \(svg())
            </div>
            <table>
            <tr><th>offset</th><th>time</th><th>step</th><th>runs</th><th>what</th></tr>
            \(rows)</table>
            </body>
            </html>

            """
    }
}
