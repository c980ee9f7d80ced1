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
        let section = recovery ? "recovery" : "steps"
        let retryable = Set((recovery ? playbook.recovery : playbook.steps).filter { $0.action.approvalRequest == nil }.map(\.id.value))
        let failed = try await journal.steps(incident: incident.id).filter { $0.section == section && $0.status == .failed && retryable.contains($0.step) }
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

    /// The playbook's latest incident whose recovery ended with a failed step, for
    /// `recover --retry-failed` once the incident has finished.
    func lastIncidentWithFailedRecovery(_ playbook: Playbook) async throws -> IncidentRecord? {
        let retryable = Set(playbook.recovery.filter { $0.action.approvalRequest == nil }.map(\.id.value))
        guard let last = try await journal.incidents(limit: 100).first(where: { $0.playbook == playbook.name.value }) else { return nil }
        let failed = try await journal.steps(incident: last.id).contains { $0.section == "recovery" && $0.status == .failed && retryable.contains($0.step) }
        return failed ? last : nil
    }
}
