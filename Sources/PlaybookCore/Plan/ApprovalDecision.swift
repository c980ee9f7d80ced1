/// How an approval is decided in a scenario file (`approvals: {STEP: approve|deny|timeout}`):
/// a person approves or denies at the approval's offset, or nobody does and its `on_timeout`
/// applies at offset + `timeout`.
public enum ApprovalDecision: String, Sendable, CaseIterable {
    case approve, deny, timeout

    /// Whether the approval ends approved, given what it does on timeout.
    func approves(_ request: ApprovalRequest) -> Bool {
        switch self {
        case .approve: return true
        case .deny: return false
        case .timeout: return request.onTimeout == .approve
        }
    }
}

/// An approve step as the plan shows it: how long people have, what happens if nobody decides,
/// and the decision when a scenario gives one.
public struct PlannedApproval: Sendable, Equatable {
    public var timeout: Double
    public var onTimeout: ApprovalTimeoutOutcome
    /// The scenario's decision; nil in `plan`, where only a person can tell.
    public var decision: ApprovalDecision?
}
