import Foundation
import PlaybookCore
import PlaybookEngine

/// The page behind an approval link: what is asked, in which incident, and what runs if it is
/// approved (the steps the approval gates, from the plan), with one form whose buttons are
/// "Approve" and "Deny". The form has no action: it posts to the link itself, so the token
/// never appears in the page. Opening the page decides nothing.
struct ApprovalLinkPage {
    var record: ApprovalRecord
    var playbook: Playbook?
    var plan: Plan?
    var csrf: String

    func render() -> String {
        let e = HTML.escape
        var body = "<h1>Approval needed</h1>\n"
        body += "<p><strong>\(e(record.step))</strong> in playbook <strong>\(e(playbook?.name.value ?? "?"))</strong>, incident <code>\(e(record.incident))</code>.</p>\n"
        if let text = requestText { body += "<div class=\"request\" id=\"request\">\(e(text))</div>\n" }
        body += "<h2>If approved, these run</h2>\n<ul id=\"will-run\">\n"
        let gated = plan?.steps.filter { $0.awaitsApproval == record.step && $0.id != record.step } ?? []
        if gated.isEmpty { body += "<li class=\"muted\">no step waits on this approval</li>\n" }
        for step in gated { body += "<li><code>\(e(step.id))</code>: \(e(step.summary))</li>\n" }
        body += "</ul>\n"
        if let request = playbook.flatMap({ Self.request(of: record.step, in: $0) }) {
            let otherwise = request.onTimeout == .approve ? "approved" : "denied"
            body += "<p class=\"muted\">Undecided at \(HTML.time(record.expiresAt)), it is \(otherwise). The first decision wins.</p>\n"
        }
        body += "<form method=\"post\">\(HTML.csrfField(csrf))<div class=\"buttons decision\">"
            + "<button class=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"
            + "<button class=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></div></form>\n"
        return HTML.page(title: "Approve \(record.step)? · playbook", body: body)
    }

    /// The request's own words, with the link itself left out (it is this page).
    var requestText: String? {
        guard let playbook, let request = Self.request(of: record.step, in: playbook) else { return nil }
        switch request.content {
        case .inline(let subject, let text):
            let words = [subject?.value, text?.value].compactMap { $0 }.joined(separator: "\n")
            return words.replacingOccurrences(of: #"\{\{\{?\s*approval\.url\s*\}?\}\}"#, with: "(this page)", options: .regularExpression)
        case .template(let id):
            return "template '\(id.value)'"
        }
    }

    static func request(of step: String, in playbook: Playbook) -> ApprovalRequest? {
        (playbook.steps + playbook.recovery).first { $0.id.value == step }?.action.approvalRequest
    }
}
