import Foundation
import PlaybookCore

/// Approval links: what a link decides, and deciding with it.
///
/// A link decides only the approval it was signed for (`ApprovalToken.verify` against the scope
/// the journal holds, in constant time), only while that approval is pending and unexpired, and
/// only once: its token id must be the one journaled for the approval, and the journal's
/// conditional update lets the first decision win.
extension Approvals {
    /// What a link is, now.
    public enum Link: Sendable {
        /// It decides this pending approval.
        case pending(ApprovalRecord)
        /// It was used, or the approval was decided another way (or cancelled): nothing to decide.
        case decided(ApprovalRecord)
        /// Its approval's timeout has passed.
        case expired(ApprovalRecord?, at: Date)
        /// Not a link of this state: forged, cut short, altered, or for an approval it does not hold.
        case invalid(String)
    }

    /// Reads what `text` (a link's token) decides, without deciding anything.
    public static func link(_ text: String, journal: any Journal, now: Date) async throws -> Link {
        guard let approvals = journal as? any ApprovalJournal else { return .invalid("this state cannot keep approvals") }
        guard let scope = ApprovalToken.claimedScope(of: text) else { return .invalid(ApprovalToken.Refusal.malformed.description) }
        let key = try await approvals.approvalKey()
        let token: ApprovalToken
        switch ApprovalToken.verify(text, incident: scope.incident, step: scope.step, key: key, now: now) {
        case .success(let verified):
            token = verified
        case .failure(.expired(let at)):
            return .expired(try await approvals.approval(incident: scope.incident, step: scope.step), at: at)
        case .failure(let refusal):
            return .invalid(refusal.description)
        }
        guard let record = try await approvals.approval(incident: token.incident, step: token.step),
            ConstantTime.equal(Array(record.tokenID.utf8), Array(token.id.utf8))
        else { return .invalid(ApprovalToken.Refusal.badSignature.description) }
        if record.status != .pending { return .decided(record) }
        if now >= record.expiresAt { return .expired(record, at: record.expiresAt) }
        return .pending(record)
    }

    /// Decides `record`, the pending approval a link was just found to decide (`link`), as `by`;
    /// the first decision wins (the journal's conditional update). Returns the approval afterwards
    /// and whether this decision was the first.
    public static func decide(_ decision: Decision, pending record: ApprovalRecord, journal: any Journal, by: String, now: Date) async throws
        -> (record: ApprovalRecord, decidedNow: Bool)
    {
        guard let approvals = journal as? any ApprovalJournal else { return (record, false) }
        let status: ApprovalRecord.Status = decision == .approve ? .approved : .denied
        let first = try await approvals.decideApproval(incident: record.incident, step: record.step, status: status, by: by, at: now)
        return (try await approvals.approval(incident: record.incident, step: record.step) ?? record, first)
    }

    /// Who decided through a link, as journaled.
    public static let linkDecider = "link"
    /// Who decided in the console.
    public static let consoleDecider = "console"

    /// "approved by link at …", or how the approval ended without a person, for pages.
    public static func outcome(of record: ApprovalRecord) -> String {
        alreadyDecided(record)
    }
}
