import Foundation
import PlaybookCore
import Synchronization

/// Which playbooks this watcher evaluates: all of them with a journal of its own; with a shared
/// journal, those whose lease it holds (`Watcher.lead`).
/// A class with a `Mutex`, not an actor: webhook requests ask `leads` synchronously.
final class Leadership: Sendable {
    private let led: Mutex<Set<String>>

    init(leading: Set<String>) { led = Mutex(leading) }

    func leads(_ playbook: String) -> Bool { led.withLock { $0.contains(playbook) } }
    func set(_ playbook: String, leading: Bool) {
        led.withLock { led in
            if leading {
                led.insert(playbook)
            } else {
                led.remove(playbook)
            }
            return
        }
    }
    var playbooks: Set<String> { led.withLock { $0 } }
}

extension Watcher {
    /// How long a playbook's leadership lease lasts: its shortest `every` (so another runner
    /// takes over within `every` plus a third of it after the leader dies), 10 s without probes.
    func leaseSeconds(for monitor: PlaybookMonitor) -> Double {
        if let configured = configuration.leaseSeconds { return configured }
        return probed.filter { $0.monitor === monitor }.map(\.every).min() ?? 10
    }

    /// With a shared journal: takes and keeps the playbook's lease (`watch/NAME`), renewing it
    /// every third of its length. Taking it restores the playbook's state from the journal —
    /// trigger windows, the open incident and its steps or recovery — exactly as a restarted
    /// watcher does; losing it (another runner holds it now) stops evaluating the playbook here.
    func lead(_ monitor: PlaybookMonitor, shared: any SharedDeliveries) async {
        let clock = configuration.clock
        let stop = configuration.stop
        let reporter = configuration.reporter
        let lease = leaseSeconds(for: monitor)
        let name = "watch/\(monitor.name)"
        var lastHeld: Date?
        while !stop.isRequested {
            let now = clock.now()
            let leading = leadership.leads(monitor.name)
            do {
                let held = try await shared.holdLease(name, seconds: lease)
                if held { lastHeld = now }
                if held, !leading {
                    do {
                        try await monitor.start()
                        leadership.set(monitor.name, leading: true)
                        reporter.report(
                            WatchEvent(
                                time: clock.now(), name: "leading", playbook: monitor.name, fields: [("runner", .string(shared.runner))],
                                message: "this runner (\(shared.runner)) now evaluates the playbook's triggers"))
                    } catch {
                        try? await shared.releaseLease(name)
                        reporter.report(
                            WatchEvent(
                                time: clock.now(), name: "journal_error", playbook: monitor.name, fields: [("reason", .string("\(error)"))],
                                message: "cannot read the playbook's state to lead it: \(error)", isWarning: true))
                    }
                } else if !held, leading {
                    await standDown(monitor, why: "another runner holds its lease now")
                }
            } catch {
                // The database does not answer: keep leading until the lease would have ended.
                if leading, now.timeIntervalSince(lastHeld ?? .distantPast) > lease {
                    await standDown(monitor, why: "its lease could not be renewed: \(error)")
                }
            }
            guard await stop.sleep(until: now.addingTimeInterval(lease / 3), clock: clock) else { break }
        }
    }

    private func standDown(_ monitor: PlaybookMonitor, why: String) async {
        leadership.set(monitor.name, leading: false)
        await monitor.standDown()
        configuration.reporter.report(
            WatchEvent(
                time: configuration.clock.now(), name: "following", playbook: monitor.name, fields: [("reason", .string(why))],
                message: "no longer evaluating the playbook's triggers: \(why)", isWarning: true))
    }

    /// Gives up the leases this runner holds, so that others take over at once (a clean stop).
    func releaseLeadership(_ shared: any SharedDeliveries) async {
        for playbook in leadership.playbooks { try? await shared.releaseLease("watch/\(playbook)") }
    }
}
