import Foundation

/// An incident as `status` and `history` show it: its record, its steps, its delivery counts
/// and its latest failures, read from the journal in one go so that rendering needs no journal.
public struct IncidentReport: Sendable, Equatable {
    public var incident: IncidentRecord
    public var steps: [StepRecord]
    /// Delivery counts by step and status.
    public var deliveryCounts: [String: [DeliveryStatus: Int]]
    /// The latest failed deliveries, with their reasons.
    public var failures: [DeliveryRecord]
    /// Its approvals, pending and decided (never a link's token: the journal has only its id).
    public var approvals: [ApprovalRecord]

    public init(
        incident: IncidentRecord, steps: [StepRecord], deliveryCounts: [String: [DeliveryStatus: Int]], failures: [DeliveryRecord],
        approvals: [ApprovalRecord] = []
    ) {
        self.incident = incident
        self.steps = steps
        self.deliveryCounts = deliveryCounts
        self.failures = failures
        self.approvals = approvals
    }

    /// Reads the report of `incident`, with at most `failureLimit` failures.
    public static func read(_ incident: IncidentRecord, from journal: any Journal, failureLimit: Int) async throws -> IncidentReport {
        IncidentReport(
            incident: incident, steps: try await journal.steps(incident: incident.id), deliveryCounts: try await journal.deliveryCounts(incident: incident.id),
            failures: try await journal.failures(incident: incident.id, limit: failureLimit),
            approvals: try await (journal as? any ApprovalJournal)?.approvals(incident: incident.id) ?? [])
    }
}

/// The output formats of `status` and `history`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json
}
