import Foundation

/// What a person does from the console to a watched playbook: open an incident by hand, recover
/// the open one, or send again what failed. All go through the monitor, so the watch knows of the
/// incident as if its trigger had fired or cleared, and its operations stay in order.
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

extension PlaybookMonitor {
    /// `--retry-failed` from the console (a phone has no shell): once the cause of a failure is
    /// fixed, sends again what failed in incident `id` — the failed steps of an active incident
    /// (resumed like an interrupted run: only their failed deliveries go out), or the failed
    /// recovery steps of one whose recovery ended with a failure (the playbook's last incident).
    /// Refused while the incident's steps are still running (a step reopened beside the run of its
    /// section would be started twice) and when nothing failed. Returns what to tell the person;
    /// the retry runs on in the monitor's order of operations.
    func retryByHand(incident id: String) async throws -> String {
        guard leading else { throw Watcher.Problem(description: "another runner leads playbook '\(name)' now; use its console") }
        guard let record = try await journal.incident(id), record.playbook == name else {
            throw Watcher.Problem(description: "playbook '\(name)' has no incident \(id)")
        }
        guard runs.isEmpty else {
            throw Watcher.Problem(description: "the steps of incident \(incidentID ?? id) are still running; retry what failed once they have ended")
        }
        let recovery = record.status != .active
        let failed = try await engine.retryableFailures(playbook, incident: id, recovery: recovery)
        guard !failed.isEmpty else {
            throw Watcher.Problem(description: "incident \(id) has no failed \(recovery ? "recovery step" : "step") to retry")
        }
        if recovery {
            let current = try await journal.unfinishedIncident(playbook: name)
            let retried = current != nil ? current : try await engine.lastIncidentWithFailedRecovery(playbook)
            guard retried?.id == id else {
                throw Watcher.Problem(description: "only the recovery of playbook '\(name)''s latest incident can run again, and that is not \(id)")
            }
            enqueue { await self.recover(declined: false, retryFailed: true) }
        } else {
            guard incidentID == id else { throw Watcher.Problem(description: "incident \(id) is not the one this watch runs for '\(name)'") }
            enqueue { await self.retrySteps(of: record) }
        }
        let steps = failed.map(\.step).joined(separator: ", ")
        reporter.report(
            WatchEvent(
                time: clock.now(), name: "retry_requested", playbook: name, fields: [("incident", .string(id)), ("steps", .string(steps))],
                message: "incident \(id): sending again what failed in \(steps), asked from the console"))
        return "sending again what failed in \(steps) (nothing already sent is repeated)"
    }
}
