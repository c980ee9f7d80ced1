import Foundation
import Synchronization

/// Deliveries by playbook and status, kept in memory as the journal writes them, so that reading
/// them (each `/metrics` scrape) costs nothing in the number of deliveries and never waits for
/// the journal: the journal changes it inside its own writes, a reader takes a copy under a lock.
/// A class with a `Mutex`, not an actor: the journal updates it synchronously inside its writes.
public final class DeliveryTally: Sendable {
    private let counts = Mutex<[String: [DeliveryStatus: Int]]>([:])

    public init() {}

    /// Starts again from totals read from the journal.
    func reset(to totals: [(playbook: String, status: DeliveryStatus, count: Int)]) {
        var fresh: [String: [DeliveryStatus: Int]] = [:]
        for row in totals { fresh[row.playbook, default: [:]][row.status, default: 0] += row.count }
        counts.withLock { $0 = fresh }
    }

    /// Adds the changes of one committed write batch.
    func apply(_ changes: [DeliveryTally.Key: Int]) {
        guard !changes.isEmpty else { return }
        counts.withLock { counts in
            for (key, delta) in changes where delta != 0 { counts[key.playbook, default: [:]][key.status, default: 0] += delta }
        }
    }

    struct Key: Hashable {
        var playbook: String
        var status: DeliveryStatus
    }

    /// The totals, sorted by playbook and status, as `deliveryTotals()` gives them.
    public func totals() -> [(playbook: String, status: DeliveryStatus, count: Int)] {
        counts.withLock { counts in
            counts.sorted { $0.key < $1.key }.flatMap { playbook, statuses in
                statuses.filter { $0.value != 0 }.sorted { $0.key.rawValue < $1.key.rawValue }.map { (playbook, $0.key, $0.value) }
            }
        }
    }
}
