import Foundation

extension IncidentReport {
    /// The section of the incident whose failures `--retry-failed` (or the console's "Retry what
    /// failed") would send again: `steps` while it is active and a step failed, `recovery` while it
    /// recovers or once it has finished when a recovery step failed; nil when nothing can be
    /// retried. An approval's failure is never one (a denial or a timeout is a decision), the
    /// rule of `Engine.isRetryable`, read here from the report's approvals.
    public var retryableSection: String? {
        let decisions = Set(approvals.map(\.step))
        let failed = steps.filter { $0.status == .failed && !decisions.contains($0.step) }
        switch incident.status {
        case .active: return failed.contains { $0.section == "steps" } ? "steps" : nil
        case .recovering, .finished: return failed.contains { $0.section == "recovery" } ? "recovery" : nil
        }
    }
}
