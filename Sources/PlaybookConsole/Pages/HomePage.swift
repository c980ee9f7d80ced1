import Foundation
import PlaybookCore
import PlaybookEngine

/// `/`: every playbook the process serves with its triggers' last known states, and the active
/// and recent incidents.
struct HomePage {
    struct Row {
        var playbook: ConsolePlaybook
        var states: [SavedTriggerState]
    }

    var rows: [Row]
    var incidents: [IncidentRecord]
    var csrf: String
    var notice: String?

    func render() -> String {
        let e = HTML.escape
        var body = "<nav><strong>playbook console</strong><form class=\"inline\" method=\"post\" action=\"/signout\">\(HTML.csrfField(csrf))"
            + "<button class=\"secondary\" type=\"submit\">Sign out</button></form></nav>\n<h1>playbook console</h1>\n"
        if let notice { body += "<p role=\"status\">\(e(notice))</p>\n" }
        body += "<section id=\"incidents\"><h2>Incidents</h2>\n"
        if incidents.isEmpty {
            body += "<p class=\"muted\">No incidents yet.</p>\n"
        } else {
            body += "<div class=\"scroll\"><table><tr><th>incident</th><th>state</th><th>started</th></tr>\n"
            for incident in incidents {
                body += "<tr data-incident=\"\(e(incident.id))\"><td><a href=\"/incidents/\(e(incident.id))\">\(e(incident.id))</a></td>"
                    + "<td><span class=\"status \(incident.status.rawValue)\">\(incident.status.rawValue)</span></td><td>\(HTML.time(incident.startedAt))</td></tr>\n"
            }
            body += "</table></div>\n"
        }
        body += "</section>\n<section id=\"playbooks\"><h2>Playbooks</h2>\n<div class=\"scroll\"><table><tr><th>playbook</th><th>triggers</th><th></th></tr>\n"
        for row in rows {
            let playbook = row.playbook.playbook
            var triggers: [String] = []
            for trigger in playbook.triggers {
                let saved = row.states.first { $0.trigger == trigger.id.value }
                let state = saved.map { Self.describe($0.state) } ?? "not watched"
                let seen = saved?.observedAt.map { " · seen \(HTML.time($0))" } ?? ""
                triggers.append("<code>\(e(trigger.id.value))</code> \(e(trigger.kindName)): <span class=\"status\">\(e(state))</span><span class=\"muted\">\(e(seen))</span>")
            }
            body += "<tr data-playbook=\"\(e(row.playbook.name))\"><td><strong>\(e(row.playbook.name))</strong><br><span class=\"muted\">\(e(row.playbook.file))</span></td>"
                + "<td>\(triggers.joined(separator: "<br>"))</td>"
                + "<td><form method=\"get\" action=\"/run/\(e(row.playbook.name))\"><button class=\"secondary\" type=\"submit\">Run…</button></form></td></tr>\n"
        }
        body += "</table></div></section>\n"
        return HTML.page(title: "playbook console", body: body)
    }

    /// A trigger's state in words: whether its condition holds, since when, and whether it fired.
    static func describe(_ state: TriggerStateMachine.TriggerState) -> String {
        switch state.holds {
        case nil: return "not observed yet"
        case false?: return "clear since \(HTML.time(state.since))"
        case true?: return (state.firedThisRun ? "fired, holding since " : "holding since ") + HTML.time(state.since)
        }
    }
}
