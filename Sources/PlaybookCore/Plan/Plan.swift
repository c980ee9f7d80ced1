import Foundation

/// A dry-run of a playbook: what would happen, when, and to whom, without sending anything.
public struct Plan: Sendable {
    public var playbook: String
    public var file: String
    public var trigger: String
    public var triggerKind: String
    public var start: Date
    public var timezone: String
    /// When the incident resolves, if known (scenario tests); recovery offsets count from it.
    public var resolvedAt: Date?
    /// Whether the playbook's own `if` lets it run at all.
    public var playbookWillRun: Bool?
    public var playbookReason: String?
    public var steps: [PlannedStep]
    public var recovery: [PlannedStep]
    /// Things the reader should know about how the plan was made ("used the first trigger").
    public var notes: [String]
    /// Contacts read for the counts, when they were readable.
    public var audience: AudienceSummary?
    public var digests: PlanDigests?

    /// Steps the plan could not fully preview, and why.
    public var unpreviewable: [(id: String, reason: String)] {
        (steps + recovery).compactMap { step in step.willRun == nil ? (step.id, step.reason ?? "depends on run-time data") : nil }
            + (steps + recovery).compactMap { step in step.countsUnknownReason.map { (step.id, $0) } }
    }
}

/// One step in the plan.
public struct PlannedStep: Sendable {
    public var id: String
    public var action: String
    public var offset: Double
    /// Wall-clock start; nil for recovery steps while the resolution time is unknown.
    public var start: Date?
    /// Seconds the step itself lasts in the timeline (non-zero only for `wait`).
    public var duration: Double
    public var willRun: Bool?
    /// Why `willRun` is false or unknown.
    public var reason: String?
    public var channels: [String]
    /// What the step will touch, in a sentence: "pause all active campaigns of act_123".
    public var summary: String
    public var after: [String]
    public var isConditional: Bool
    /// For `notify` with readable contacts.
    public var deliveries: DeliveryCounts?
    /// Why delivery counts are not shown for a notify step.
    public var countsUnknownReason: String?
    /// The approval whose decision this step waits on, while nobody can tell how it ends: the
    /// step's own id for an `approve` step, else the approval its `after` names.
    public var awaitsApproval: String? = nil
    /// For an `approve` step: its timeout, what happens then, and the scenario's decision.
    public var approval: PlannedApproval? = nil
}

/// Planned deliveries of one `notify` step.
public struct DeliveryCounts: Sendable, Equatable {
    public var total = 0
    public var deferred = 0
    public var byChannel: [String: Int] = [:]
    public var deferredByChannel: [String: Int] = [:]
    /// Contacts of the segment reachable on none of the channels.
    public var unreachable = 0
    /// Same address already planned in this step.
    public var duplicates = 0
    /// For each channel, the segment's members it cannot reach, by reason (whatever `mode`: a
    /// member reached on another channel is counted too). Only channels with some.
    public var obstaclesByChannel: [String: [DeliveryRouting.Obstacle: Int]] = [:]
    public var earliestDeferredUntil: Date?
    public var latestDeferredUntil: Date?

    public init() {}
}

/// What the contacts file held.
public struct AudienceSummary: Sendable {
    public var path: String
    /// The file's path as the playbook's directory resolves it, for `FILE:LINE:COL` warnings.
    public var resolvedPath: String
    public var contacts: Int
    /// What was wrong with rows and fields, with the first few positions.
    public var issues: ContactIssues
    public var skippedRows: Int { issues.skippedRows }
}

/// Digests that make a plan a reviewable artifact: `run --plan` refuses when any changed.
public struct PlanDigests: Sendable, Equatable {
    public var playbook: String
    public var contacts: String?
    public var facts: String
}
