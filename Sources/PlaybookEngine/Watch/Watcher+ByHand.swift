import Foundation
import PlaybookCore

/// The console's changes to a watched playbook, and what it reads of the watch.
extension Watcher {
    public var journal: any Journal { configuration.journal }
    public var watchedPlaybooks: [Playbook] { configuration.playbooks }

    /// Opens an incident of `playbook` on `trigger` by hand; returns its id.
    public func runByHand(playbook: String, trigger: String) async throws -> String {
        guard let monitor = monitor(playbook) else { throw Problem(description: "no watched playbook is named '\(playbook)'") }
        return try await monitor.openByHand(trigger: trigger)
    }

    /// Starts recovering the open incident of `playbook`; returns its id.
    public func recoverByHand(playbook: String) async throws -> String {
        guard let monitor = monitor(playbook) else { throw Problem(description: "no watched playbook is named '\(playbook)'") }
        return try await monitor.recoverByHand()
    }

    /// Sends again what failed in incident `incident` of `playbook` (the console's "Retry what
    /// failed"); returns what to tell the person.
    public func retryFailedByHand(playbook: String, incident: String) async throws -> String {
        guard let monitor = monitor(playbook) else { throw Problem(description: "no watched playbook is named '\(playbook)'") }
        return try await monitor.retryByHand(incident: incident)
    }
}
