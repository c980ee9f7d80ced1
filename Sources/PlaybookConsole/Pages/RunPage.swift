import Foundation
import PlaybookCore

/// Running a playbook by hand: pick the trigger, see its plan, confirm with "Run".
struct RunPage {
    var playbook: ConsolePlaybook
    var trigger: String
    var plan: Plan?
    var planProblem: String?
    var csrf: String

    func render() -> String {
        let e = HTML.escape
        let name = e(playbook.name)
        var body = "<nav><a href=\"/\">← console</a></nav>\n<h1>Run \(name) by hand</h1>\n"
        body += "<form method=\"get\" action=\"/run/\(name)\"><label for=\"trigger\">Trigger</label><br><select id=\"trigger\" name=\"trigger\">"
        for candidate in playbook.playbook.triggers {
            let id = e(candidate.id.value)
            body += "<option value=\"\(id)\"\(candidate.id.value == trigger ? " selected" : "")>\(id) (\(e(candidate.kindName)))</option>"
        }
        body += "</select> <button class=\"secondary\" type=\"submit\">Show its plan</button></form>\n"
        if let plan {
            body += "<h2>Its plan</h2>\n<div class=\"scroll\"><table id=\"plan\"><tr><th>offset</th><th>step</th><th>runs</th><th>what</th></tr>\n"
            for step in plan.steps {
                body += "<tr><td>\(Plan.offsetText(step.offset))</td><td><code>\(e(step.id))</code></td><td>\(e(Plan.willRunText(step)))</td><td>\(e(step.summary))"
                    + (step.deliveries.map { "<br>\(e($0.describe(in: plan)))" } ?? "") + "</td></tr>\n"
            }
            body += "</table></div>\n"
            body += "<form method=\"post\" action=\"/run/\(name)\">\(HTML.csrfField(csrf))<input type=\"hidden\" name=\"trigger\" value=\"\(e(trigger))\">"
                + "<button type=\"submit\">Run</button> <span class=\"muted\">opens an incident now and runs these steps</span></form>\n"
        } else if let planProblem {
            body += "<p class=\"error\">\(e(planProblem))</p>\n"
        }
        return HTML.page(title: "Run \(playbook.name) · playbook", body: body)
    }
}
