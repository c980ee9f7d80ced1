import Foundation
import Hummingbird
import PlaybookCore
import PlaybookEngine

/// `/approve/TOKEN`: the page behind an approval link, and its decision.
///
/// GET shows the page and decides nothing (a link previewer or a mail scanner opening it changes
/// nothing). POST decides, with the link's token (the path) and the page's CSRF token (scoped to
/// the link). A used, expired or forged link says so and changes nothing. The token is never
/// written back: not in the page, not in a log line.
extension Console {
    func approvalLink(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let text = try context.parameters.require("token")
        switch try await Approvals.link(text, journal: backend.journal, now: clock()) {
        case .pending(let record):
            let incident = try await backend.journal.incident(record.incident)
            let served = incident.flatMap { playbook(named: $0.playbook) }
            var plan: Plan?
            if let incident, let served { plan = self.plan(served.playbook, for: incident) }
            let page = ApprovalLinkPage(record: record, playbook: served?.playbook, plan: plan, csrf: sessions.csrf(link: record.tokenID))
            return ConsoleAnswer.html(.ok, page.render()).response()
        case let state:
            return Self.answer(for: state)
        }
    }

    func decideByLink(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let text = try context.parameters.require("token")
        let form = try await ConsoleForm.read(request, context)
        let state = try await Approvals.link(text, journal: backend.journal, now: clock())
        guard case .pending(let record) = state else { return Self.answer(for: state) }
        guard sessions.checkCSRF(form.csrf, link: record.tokenID) else { return ConsoleAnswer.csrfRefused.response() }
        guard let decision = form.decision.flatMap(Approvals.Decision.init(rawValue:)) else {
            return ConsoleAnswer.html(.badRequest, MessagePage.render(title: "Nothing decided", message: "the form has no decision (approve or deny)")).response()
        }
        let (decided, first) = try await Approvals.decide(decision, pending: record, journal: backend.journal, by: Approvals.linkDecider, now: clock())
        guard first else { return Self.answer(for: .decided(decided)) }
        let title = decided.status == .approved ? "Approved" : "Denied"
        return ConsoleAnswer.html(.ok, MessagePage.render(title: title, message: "\(title) by \(decided.decidedBy ?? Approvals.linkDecider) at \(HTML.time(decided.decidedAt)). You can close this page.")).response()
    }

    /// The page of a link that decides nothing now.
    static func answer(for state: Approvals.Link) -> Response {
        switch state {
        case .pending:
            return ConsoleAnswer.html(.ok, MessagePage.render(title: "Approval needed", message: "this link is valid")).response()
        case .decided(let record):
            let how = record.status == .cancelled ? Approvals.outcome(of: record) : "this link was already used: " + Approvals.outcome(of: record)
            return ConsoleAnswer.html(.gone, MessagePage.render(title: "Already decided", message: how)).response()
        case .expired(let record, let at):
            var message = "this approval link expired at \(HTML.time(at))"
            if let record, record.status != .pending { message += "; " + Approvals.outcome(of: record) }
            return ConsoleAnswer.html(.gone, MessagePage.render(title: "Link expired", message: message)).response()
        case .invalid(let reason):
            return ConsoleAnswer.html(.notFound, MessagePage.render(title: "Not a valid link", message: reason)).response()
        }
    }
}
