import Foundation

/// What a person does from the console to a watched playbook: open an incident by hand, or
/// recover the open one. Both go through the monitor, so the watch knows of the incident as if
/// its trigger had fired or cleared.
extension PlaybookMonitor {
    /// Opens an incident on `trigger` (its facts are those a probe would not give: none) and
    /// starts its steps; returns its id. Refused while this playbook has an unfinished incident.
    func openByHand(trigger: String) async throws -> String {
        guard leading else { throw Watcher.Problem(description: "another runner leads playbook '\(name)' now; use its console") }
        if let open = incidentID { throw Watcher.Problem(description: "incident \(open) of '\(name)' is still unfinished; recover it first") }
        guard playbook.trigger(trigger) != nil else { throw Watcher.Problem(description: "playbook '\(name)' has no trigger '\(trigger)'") }
        await openIncident(trigger: trigger, facts: [:])
        guard let opened = incidentID else {
            throw Watcher.Problem(description: "no incident opened: the playbook's 'if' declined it (see the watch's output)")
        }
        return opened
    }

    /// Starts the recovery of the open incident (in the monitor's order of operations) and
    /// returns its id at once: the recovery runs on while the page shows it.
    func recoverByHand() throws -> String {
        guard let open = incidentID else { throw Watcher.Problem(description: "playbook '\(name)' has no open incident to recover") }
        enqueue { await self.recover(declined: false) }
        return open
    }
}
