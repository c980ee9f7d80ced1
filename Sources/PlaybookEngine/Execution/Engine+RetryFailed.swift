import Foundation
import PlaybookCore

extension Engine {
    /// `run --retry-failed` and `recover --retry-failed`: once the cause of a failure is fixed (an
    /// expired token, a provider down), what failed goes out again — and only that. A step that
    /// failed is reopened (its journal row goes back to `pending`) and each of its failed
    /// deliveries goes back to `pending`; the section then resumes as after an interruption, so
    /// every delivery already sent is skipped by its key and the others keep their idempotency keys.
    ///
    /// Without it there is no way back: a `run` whose steps have all ended opens nothing new, and
    /// a finished recovery (an ad account whose `resume_ads` failed stays paused) cannot be run again.
    ///
    /// An approval is never reopened (a denial or a timeout is a decision, not a failure to
    /// retry). The deliveries are reopened before the step, so an interruption in between leaves
    /// nothing lost: the next `--retry-failed` finds the step still failed and reopens it.
    /// Returns the steps reopened.
    @discardableResult
    func reopenFailedSteps(_ playbook: Playbook, incident: IncidentRecord, recovery: Bool) async throws -> [String] {
        let failed = try await retryableFailures(playbook, incident: incident.id, recovery: recovery)
        for record in failed {
            let now = clock.now()
            let deliveries = try await journal.deliveries(incident: incident.id, step: record.step).filter { $0.status == .failed }
            if !deliveries.isEmpty {
                try await journal.markDeliveries(deliveries.map { DeliveryMark(key: $0.key, status: .pending, attempts: 0, detail: nil, at: now) })
            }
            var reopened = record
            reopened.status = .pending
            reopened.finishedAt = nil
            try await journal.setStep(reopened)
            let what = deliveries.isEmpty
                ? "it runs again"
                : "\(deliveries.count) failed deliver\(deliveries.count == 1 ? "y goes" : "ies go") out again (nothing already sent is repeated)"
            progress.report(.log(step: record.step, message: "retrying: \(what)"))
        }
        return failed.map(\.step)
    }

    /// Whether `--retry-failed` reopens `step` when it failed: any step but an approval.
    static func isRetryable(_ step: Step) -> Bool { step.action.approvalRequest == nil }

    /// The failed steps of one section of `incident` that `--retry-failed` reopens.
    func retryableFailures(_ playbook: Playbook, incident: String, recovery: Bool) async throws -> [StepRecord] {
        let section = recovery ? "recovery" : "steps"
        let retryable = Set((recovery ? playbook.recovery : playbook.steps).filter(Self.isRetryable).map(\.id.value))
        return try await journal.steps(incident: incident).filter { $0.section == section && $0.status == .failed && retryable.contains($0.step) }
    }

    /// The playbook's latest incident whose recovery ended with a failed step, for
    /// `recover --retry-failed` once the incident has finished.
    func lastIncidentWithFailedRecovery(_ playbook: Playbook) async throws -> IncidentRecord? {
        guard let last = try await journal.incidents(limit: 100).first(where: { $0.playbook == playbook.name.value }) else { return nil }
        return try await retryableFailures(playbook, incident: last.id, recovery: true).isEmpty ? nil : last
    }

    /// The refusal of `run --retry-failed` when the playbook has no unfinished incident.
    public static func nothingToRetry(_ playbook: Playbook) -> String {
        "playbook '\(playbook.name.value)' has no active incident, so nothing to retry (without --retry-failed, run opens a new incident)"
    }
}
