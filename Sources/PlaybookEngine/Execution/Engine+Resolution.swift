import Foundation
import PlaybookCore

extension Engine {
    /// The journal's detail for a deferred delivery not sent because its incident resolved first.
    static let cancelledAfterResolution = "not sent: the incident resolved before quiet hours ended"
    /// The journal's detail for a step of `steps` that had not started when its incident resolved.
    static let skippedAfterResolution = "skipped: the incident resolved before it was due"

    /// When the incident resolves, steps of `steps` that have not started never will: they are
    /// journaled skipped before recovery starts, so that `status` and recovery's `if`s see it at
    /// once. A run still waiting for one of them marks it the same when it falls due; a step
    /// already running finishes.
    func skipStepsNotStarted(_ playbook: Playbook, incident: IncidentRecord) async throws {
        let journaled = Set(try await journal.steps(incident: incident.id).map(\.step))
        for step in playbook.steps where !journaled.contains(step.id.value) {
            let now = clock.now()
            try await journal.setStep(
                StepRecord(
                    incident: incident.id, step: step.id.value, section: "steps", status: .skipped, attempts: 0, startedAt: now, finishedAt: now,
                    detail: Self.skippedAfterResolution))
            progress.report(.stepFinished(step: step.id.value, status: .skipped, detail: Self.skippedAfterResolution))
        }
    }

    /// Whether the incident is still active (not resolved) according to the journal: another
    /// process (`playbook recover`, `playbook watch`) may have resolved it while this one waited.
    /// A journal that cannot be read counts as active: the run goes on as planned.
    func isStillActive(_ incident: IncidentRecord) async -> Bool {
        await isStillActive(incident: incident.id, playbook: incident.playbook)
    }

    /// The same, by the incident's id and its playbook's name.
    func isStillActive(incident id: String, playbook: String) async -> Bool {
        do {
            guard let open = try await journal.unfinishedIncident(playbook: playbook) else { return false }
            return open.id == id && open.status == .active
        } catch {
            return true
        }
    }
}
