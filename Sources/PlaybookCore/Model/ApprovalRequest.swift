/// What an `approve` step asks, of whom, and how long people have to decide (docs/language.md,
/// Approvals).
///
/// The request goes out like a `post` (`to`: channels that can post, e.g. the team's Telegram)
/// and/or like a `notify` (`segment` + `via`, consent rules unchanged); its text may name
/// `approval.url` and `approval.expires_at`.
public struct ApprovalRequest: Sendable {
    /// Channels the request is posted on.
    public var to: [Located<String>]
    /// The segment whose contacts receive the request, with `via`; nil when only `to` is used.
    public var segment: Located<String>?
    /// Channels that reach the segment's contacts, in order of preference (the first each can receive on).
    public var via: [Located<String>]
    public var content: MessageContent
    /// Seconds people have to decide; the link expires then.
    public var timeout: Double
    /// What happens when nobody decided in time.
    public var onTimeout: ApprovalTimeoutOutcome

    /// Half an hour: long enough to reach the owner by phone, short enough that an outage's
    /// decisions are not left hanging.
    public static let defaultTimeout: Double = 30 * 60

    public init(
        to: [Located<String>], segment: Located<String>? = nil, via: [Located<String>] = [], content: MessageContent, timeout: Double = Self.defaultTimeout,
        onTimeout: ApprovalTimeoutOutcome = .deny
    ) {
        self.to = to
        self.segment = segment
        self.via = via
        self.content = content
        self.timeout = timeout
        self.onTimeout = onTimeout
    }
}

/// The decision an approval takes when its timeout passes: deny unless the playbook says otherwise,
/// so that nothing drastic happens because nobody answered.
public enum ApprovalTimeoutOutcome: String, Sendable, CaseIterable {
    case approve, deny
}

extension Action {
    /// The contacts an action reaches, one delivery each: `notify`'s, and an `approve` request's
    /// `segment` + `via`. `quietHours`: whether quiet hours hold the deliveries (an approval
    /// request is never held: a decision that waits until morning is no decision).
    public var contactDelivery: (segment: Located<String>, via: [Located<String>], mode: DeliveryMode, quietHours: Bool)? {
        switch self {
        case .notify(let segment, let via, _, let mode): return (segment, via, mode, true)
        case .approve(let request):
            guard let segment = request.segment, !request.via.isEmpty else { return nil }
            return (segment, request.via, .first, false)
        default: return nil
        }
    }

    /// The request of an `approve` step.
    public var approvalRequest: ApprovalRequest? {
        if case .approve(let request) = self { return request }
        return nil
    }
}
