import Foundation
import PlaybookCore
import PlaybookEngine

/// `/incidents/ID`: the incident's live timeline (the plan's picture with what actually started
/// and ended), each step's state, delivery progress and failures, and the buttons that change
/// it: Recover, Approve/Deny for a pending approval, and Retry what failed (in a watch's console).
///
/// The live part is `<main id="live">`; the page's script fetches it again every second from
/// `/incidents/ID/live` and swaps it in place, so it updates without a reload. Without
/// JavaScript the page reloads itself every 5 s instead.
struct IncidentPage {
    var report: IncidentReport
    var playbook: Playbook?
    var plan: Plan?
    var csrf: String
    var now: Date
    var notice: String?
    /// Whether the serving process can send again what failed (`ConsoleBackend.retriesFailures`).
    var offersRetry = false

    /// A step's state as the page and the browser tests name it.
    static func status(of step: String, report: IncidentReport) -> String {
        if report.incident.status == .active, let approval = report.approvals.first(where: { $0.step == step }), approval.status == .pending { return "waiting" }
        return report.steps.last(where: { $0.step == step })?.status.rawValue ?? "pending"
    }

    func render(nonce: String) -> String {
        let id = HTML.escape(report.incident.id)
        let script = """
            (function(){document.body.dataset.loadedAt=String(Date.now());var busy=false;
            setInterval(function(){if(busy)return;busy=true;fetch(location.pathname.replace(/\\/$/,'')+'/live',{credentials:'same-origin',cache:'no-store'})
            .then(function(r){return r.ok?r.text():null}).then(function(t){busy=false;if(!t)return;var a=document.activeElement;
            if(a&&a.tagName==='BUTTON')return;var d=document.createElement('div');d.innerHTML=t;var n=d.querySelector('#live');var o=document.getElementById('live');
            if(!n||!o)return;if(n.dataset.version!==o.dataset.version){o.replaceWith(n);return;}
            var ns=n.querySelector('#timeline'),os=o.querySelector('#timeline');if(ns&&os)os.replaceWith(ns);}).catch(function(){busy=false});},1000);})();
            """
        let body = "<nav><a href=\"/\">← console</a><span class=\"muted\">incident \(id)</span></nav>\n" + live()
        return HTML.page(title: "\(report.incident.id) · playbook", body: body, script: script, nonce: nonce, refreshWithoutScript: 5)
    }

    /// The part that updates: everything but the navigation.
    func live() -> String {
        let e = HTML.escape
        let incident = report.incident
        var out = "<main id=\"live\" data-incident-status=\"\(incident.status.rawValue)\" data-version=\"\(version)\">\n"
        out += "<h1>\(e(incident.playbook)) <span class=\"status \(incident.status.rawValue)\">\(incident.status.rawValue)</span></h1>\n"
        out += "<p class=\"muted\">incident \(e(incident.id)) · trigger \(e(incident.trigger)) · started \(HTML.time(incident.startedAt))"
            + (incident.resolvedAt.map { " · resolved \(HTML.time($0))" } ?? "") + "</p>\n"
        if let notice { out += "<p role=\"status\">\(e(notice))</p>\n" }
        for approval in report.approvals where approval.status == .pending && incident.status == .active {
            out += "<div class=\"decision\" id=\"approval-\(e(approval.step))\"><strong>\(e(approval.step))</strong> waits for a decision until \(HTML.time(approval.expiresAt))"
            let gated = plan?.steps.filter { $0.awaitsApproval == approval.step && $0.id != approval.step }.map(\.id) ?? []
            if !gated.isEmpty { out += "<br><span class=\"muted\">if approved: \(gated.map(e).joined(separator: ", "))</span>" }
            out += "<form method=\"post\" action=\"/incidents/\(e(incident.id))/approvals/\(e(approval.step))\">\(HTML.csrfField(csrf))<div class=\"buttons\">"
                + "<button class=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"
                + "<button class=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></div></form></div>\n"
        }
        if incident.status == .active {
            out += "<form method=\"post\" action=\"/incidents/\(e(incident.id))/recover\">\(HTML.csrfField(csrf))"
                + "<button type=\"submit\">Recover</button> <span class=\"muted\">the platform is back: stop the steps, run the recovery</span></form>\n"
        }
        if offersRetry, let section = report.retryableSection {
            let what = section == "steps"
                ? "the cause is fixed: send again only what failed (nothing already sent is repeated)"
                : "the cause is fixed: run the failed recovery steps again"
            out += "<form method=\"post\" action=\"/incidents/\(e(incident.id))/retry\">\(HTML.csrfField(csrf))"
                + "<button type=\"submit\">Retry what failed</button> <span class=\"muted\">\(what)</span></form>\n"
        }
        out += steps()
        if let plan {
            var actual: [String: StepActual] = [:]
            for record in report.steps { actual[record.step] = StepActual(startedAt: record.startedAt, finishedAt: record.finishedAt) }
            out += "<h2>Timeline</h2>\n<div class=\"scroll\">\(plan.timelineSVG(actual: actual, now: now))</div>\n"
            out += "<p class=\"muted\">Coloured marks: the plan. Dark bars: when each step actually ran.</p>\n"
        }
        if !report.failures.isEmpty {
            out += "<h2>Failures</h2>\n<div class=\"scroll\"><table id=\"failures\"><tr><th>step</th><th>channel</th><th>reason</th></tr>\n"
            for failure in report.failures {
                out += "<tr><td>\(e(failure.step))</td><td>\(e(failure.channel))</td><td>\(e(failure.detail ?? ""))</td></tr>\n"
            }
            out += "</table></div>\n"
        }
        let decided = report.approvals.filter { $0.status != .pending }
        if !decided.isEmpty {
            out += "<h2>Decisions</h2>\n<ul id=\"decisions\">\n"
            for approval in decided { out += "<li>\(e(Approvals.outcome(of: approval)))</li>\n" }
            out += "</ul>\n"
        }
        return out + "</main>\n"
    }

    /// Changes whenever what the page says changes (not with the clock): the script swaps the
    /// whole live part only then, so a button is not replaced under a finger every second; the
    /// timeline alone is swapped every second, its running bars growing.
    var version: String {
        var state = "\(report.incident.status.rawValue)|\(report.incident.resolvedAt?.timeIntervalSince1970 ?? 0)|\(notice ?? "")"
        for step in report.steps { state += "|\(step.section)/\(step.step)=\(step.status.rawValue)/\(step.detail ?? "")" }
        for approval in report.approvals { state += "|\(approval.step)=\(approval.status.rawValue)" }
        for (step, counts) in report.deliveryCounts.sorted(by: { $0.key < $1.key }) {
            state += "|\(step):" + DeliveryStatus.allCases.map { "\(counts[$0] ?? 0)" }.joined(separator: ",")
        }
        state += "|failures=\(report.failures.count)"
        // FNV-1a: the same text gives the same version in every process.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in state.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    private func steps() -> String {
        let e = HTML.escape
        var out = "<h2>Steps</h2>\n<div class=\"scroll\"><table id=\"steps\"><tr><th>step</th><th>state</th><th>deliveries</th><th>detail</th></tr>\n"
        let sections: [(String, [String])] = [
            ("steps", playbook?.steps.map(\.id.value) ?? report.steps.filter { $0.section == "steps" }.map(\.step)),
            ("recovery", playbook?.recovery.map(\.id.value) ?? report.steps.filter { $0.section == "recovery" }.map(\.step)),
        ]
        for (section, ids) in sections where !ids.isEmpty {
            out += "<tr><th colspan=\"4\">\(section == "steps" ? "Steps" : "Recovery")</th></tr>\n"
            for step in ids {
                let record = report.steps.last { $0.step == step && $0.section == section }
                let status = section == "steps" ? Self.status(of: step, report: report) : (record?.status.rawValue ?? "pending")
                let counts = report.deliveryCounts[step].map { counts in
                    DeliveryStatus.allCases.compactMap { state in counts[state].map { "\($0) \(state.rawValue)" } }.joined(separator: ", ")
                } ?? ""
                out += "<tr id=\"\(section == "steps" ? "step" : "recovery")-\(e(step))\" data-status=\"\(status)\"><td><code>\(e(step))</code></td>"
                    + "<td><span class=\"status \(status)\">\(status)</span></td><td>\(e(counts))</td><td>\(e(record?.detail ?? ""))</td></tr>\n"
            }
        }
        return out + "</table></div>\n"
    }
}
