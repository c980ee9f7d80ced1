import Foundation
import PlaybookCore

extension Engine {
    /// Runs a `notify` step on this runner alone (`SingleRunnerFanOut`), and sums it up as the
    /// step's result. Resumable: deliveries already sent are skipped, those attempted but
    /// unconfirmed are retried with the same key.
    func notify(_ step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts) async -> ActionResult {
        let setup: NotifySetup
        switch prepareNotify(step, playbook: playbook, facts: facts) {
        case .success(let prepared): setup = prepared
        case .failure(let failure): return .failed(failure.reason)
        }
        var contacts = setup.contacts
        defer { contacts.close() }
        let journaled: [DeliveryRecord]
        do {
            journaled = try await journal.deliveries(incident: incident.id, step: step.id.value)
        } catch {
            return .failed("cannot read the journal: \(error)")
        }
        var fanOut = SingleRunnerFanOut(
            engine: self, step: step, playbook: playbook, incident: incident, facts: facts, walk: setup.walk, renderer: setup.renderer,
            journaled: journaled)
        do {
            try await fanOut.run(&contacts)
        } catch {
            return .failed(redactor.redact("fan-out stopped: \(error)"))
        }
        let outcome = fanOut.counter.outcome()
        progress.report(outcome.progress(step: step.id.value, counting: fanOut.counter.counting))
        // Stopped before the last contact was read: the counts cover only what was read, so equal
        // counts do not mean done (a stop while the first batch was sending once ended as success).
        if stop.isRequested, fanOut.stoppedReading || outcome.done < outcome.total || !fanOut.deferred.isEmpty {
            return outcome.result(interrupted: true)
        }
        if !contacts.issues.isEmpty {
            try? await journal.log(incident: incident.id, step: step.id.value, message: "contacts: \(contacts.issues.summary)", at: clock.now())
        }
        return outcome.result(interrupted: false)
    }
}
