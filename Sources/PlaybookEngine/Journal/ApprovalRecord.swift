import Foundation
import PlaybookCore

/// An approval as the journal keeps it: which step of which incident waits for a decision, until
/// when, and — once decided — how, by whom and when.
///
/// The link's token is never stored: only its id (the nonce). The token can be signed again
/// from the id and the approval key, so a resumed run sends the same link, and whoever reads
/// the journal cannot decide anything with it.
public struct ApprovalRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, approved, denied
        /// The incident resolved before anyone decided.
        case cancelled
    }

    public var incident: String
    public var step: String
    /// The nonce of the link's token, in hex (`ApprovalToken.id`).
    public var tokenID: String
    public var requestedAt: Date
    public var expiresAt: Date
    public var status: Status
    /// `cli (USER)`, `console`, the link's channel and recipient, or `timeout`.
    public var decidedBy: String?
    public var decidedAt: Date?

    public init(
        incident: String, step: String, tokenID: String, requestedAt: Date, expiresAt: Date, status: Status = .pending,
        decidedBy: String? = nil, decidedAt: Date? = nil
    ) {
        self.incident = incident
        self.step = step
        self.tokenID = tokenID
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.status = status
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}

/// The approvals a journal keeps (docs/running.md, Approvals). Journals that do not keep them
/// (test doubles) answer with a failure, which fails the approve step with that reason.
public protocol ApprovalJournal: Sendable {
    /// Journals a new pending approval; an existing one for the same step is left as it is.
    func createApproval(_ record: ApprovalRecord) async throws
    func approval(incident: String, step: String) async throws -> ApprovalRecord?
    func approvals(incident: String) async throws -> [ApprovalRecord]
    /// Decides a pending approval: true when this decision was the first, false when it was
    /// already decided (then nothing changes). A conditional update, safe across processes.
    func decideApproval(incident: String, step: String, status: ApprovalRecord.Status, by: String, at: Date) async throws -> Bool
    /// The key that signs approval links, created on first use and kept with the state.
    func approvalKey() async throws -> ApprovalKey
}
