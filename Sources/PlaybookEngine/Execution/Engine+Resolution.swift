import Foundation

extension Engine {
    /// The journal's detail for a deferred delivery not sent because its incident resolved first.
    static let cancelledAfterResolution = "not sent: the incident resolved before quiet hours ended"

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
