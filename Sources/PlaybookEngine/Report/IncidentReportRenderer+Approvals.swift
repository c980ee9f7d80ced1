import Foundation
import PlaybookCore

/// An incident's approvals in `status` and `history`: pending ones with their expiry, decided
/// ones with who decided and when.
extension IncidentReportRenderer {
    static func json(_ approval: ApprovalRecord) -> JSONValue {
        .object([
            ("step", .string(approval.step)), ("status", .string(approval.status.rawValue)), ("requested_at", iso(approval.requestedAt)),
            ("expires_at", iso(approval.expiresAt)), ("decided_by", approval.decidedBy.map(JSONValue.string) ?? .null),
            ("decided_at", iso(approval.decidedAt)),
        ])
    }

    /// One line: "approval ask-owner: pending until …", "… approved by cli (ana) at …".
    static func text(_ approval: ApprovalRecord) -> String {
        let formatter = ISO8601DateFormatter()
        switch approval.status {
        case .pending: return "  approval \(approval.step): pending until \(formatter.string(from: approval.expiresAt))\n"
        case .cancelled: return "  approval \(approval.step): cancelled (the incident resolved)\n"
        case .approved, .denied:
            let when = approval.decidedAt.map { " at \(formatter.string(from: $0))" } ?? ""
            return "  approval \(approval.step): \(approval.status.rawValue) by \(approval.decidedBy ?? "someone")\(when)\n"
        }
    }
}
