import Foundation
import Synchronization

/// Where `/metrics` reads the delivery totals, without waiting for the journal: the journal's own
/// in-memory tally (SQLite), or — for a journal that keeps none (PostgreSQL, shared by runners
/// whose deliveries one process does not see being written) — a copy refreshed in the background
/// every `refreshInterval`.
final class DeliveryTotals: Sendable {
    private enum Source {
        case notStarted
        case tally(DeliveryTally)
        case copy([(playbook: String, status: DeliveryStatus, count: Int)])
    }

    /// How often the copy is refreshed, for a journal without a tally (seconds).
    static let refreshInterval: Double = 15

    private let source = Mutex(Source.notStarted)

    /// Starts the tally (one count of what is journaled), or takes a first copy. Until this has
    /// been done once, the first `current` does it.
    /// Returns whether the totals need refreshing (no tally).
    @discardableResult
    func start(_ journal: any Journal) async -> Bool {
        if case .tally = source.withLock({ $0 }) { return false }
        if let tally = try? await journal.countDeliveries() {
            source.withLock { $0 = .tally(tally) }
            return false
        }
        await refresh(journal)
        return true
    }

    /// Takes a fresh copy from the journal (when it keeps no tally).
    func refresh(_ journal: any Journal) async {
        guard let totals = try? await journal.deliveryTotals() else { return }
        source.withLock { $0 = .copy(totals) }
    }

    /// The totals now: from memory, except the very first time when nothing has started them.
    func current(_ journal: any Journal) async -> [(playbook: String, status: DeliveryStatus, count: Int)] {
        switch source.withLock({ $0 }) {
        case .tally(let tally): return tally.totals()
        case .copy(let totals): return totals
        case .notStarted:
            await start(journal)
            switch source.withLock({ $0 }) {
            case .tally(let tally): return tally.totals()
            case .copy(let totals): return totals
            case .notStarted: return []
            }
        }
    }
}
