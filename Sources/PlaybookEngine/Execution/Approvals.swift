import Foundation
import PlaybookCore

/// Deciding approvals from outside the run that waits on them (`playbook approve`): the run
/// sees the decision in the journal within seconds.
public enum Approvals {
    public enum Decision: String, Sendable {
        case approve, deny
    }

    /// Why there is nothing to decide (`playbook approve` exits 1): one line for the person.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Decides the pending approval of `step` in the unfinished incident of `playbook`, as `by`,
    /// at `now`; the first decision wins. Returns the decided record. Throws `Refusal` when there
    /// is no such pending approval (not an approve step, no incident, not asked yet, already
    /// decided, expired), and the journal's own errors when it cannot be read or written.
    public static func decide(_ decision: Decision, step: String, playbook: Playbook, journal: any Journal, by: String, now: Date) async throws
        -> ApprovalRecord
    {
        let name = playbook.name.value
        guard let planned = (playbook.steps + playbook.recovery).first(where: { $0.id.value == step }) else {
            throw Refusal(description: "playbook '\(name)' has no step '\(step)'")
        }
        guard planned.action.approvalRequest != nil else {
            throw Refusal(description: "step '\(step)' of playbook '\(name)' is a \(planned.action.name) step, not an approve step")
        }
        guard let approvals = journal as? any ApprovalJournal else {
            throw JournalFailure(description: "the state at \(journal.location) cannot keep approvals")
        }
        guard let incident = try await journal.unfinishedIncident(playbook: name) else {
            throw Refusal(description: "playbook '\(name)' has no active incident")
        }
        guard let record = try await approvals.approval(incident: incident.id, step: step) else {
            throw Refusal(description: "step '\(step)' of incident \(incident.id) is not waiting for a decision (its request has not gone out)")
        }
        if record.status != .pending { throw Refusal(description: alreadyDecided(record)) }
        if now >= record.expiresAt {
            throw Refusal(description: "the approval '\(step)' of incident \(incident.id) expired at \(Engine.iso(record.expiresAt)); its on_timeout decides")
        }
        let status: ApprovalRecord.Status = decision == .approve ? .approved : .denied
        guard try await approvals.decideApproval(incident: incident.id, step: step, status: status, by: by, at: now) else {
            let current = try await approvals.approval(incident: incident.id, step: step) ?? record
            throw Refusal(description: alreadyDecided(current))
        }
        return try await approvals.approval(incident: incident.id, step: step) ?? record
    }

    /// "already approved by cli (ana) at …", or why it ended without a person.
    static func alreadyDecided(_ record: ApprovalRecord) -> String {
        let prefix = "the approval '\(record.step)' of incident \(record.incident)"
        let when = record.decidedAt.map { " at \(Engine.iso($0))" } ?? ""
        switch record.status {
        case .cancelled: return "\(prefix) was cancelled\(when): the incident resolved"
        case _ where record.decidedBy == ApprovalRecord.timeoutDecider:
            return "\(prefix) expired at \(Engine.iso(record.expiresAt)) and was \(record.status.rawValue) by its on_timeout"
        default: return "\(prefix) was already \(record.status.rawValue) by \(record.decidedBy ?? "someone")\(when)"
        }
    }

    /// Who decides from this machine: `cli` and the user's name (`--by`, else the login name).
    public static func cliDecider(by name: String?) -> String {
        let user = name ?? ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? NSUserName()
        return user.isEmpty ? "cli" : "cli (\(user))"
    }
}
