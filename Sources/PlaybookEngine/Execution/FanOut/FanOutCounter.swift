import Foundation
import PlaybookCore
import Synchronization

/// Counts a single runner's deliveries of one step as they finish, for progress and the step's
/// outcome. Every delivery task records into it, so it is shared; a `Mutex` rather than an actor
/// because a record is a few additions, and an actor hop per delivery cost more than the
/// delivery's own bookkeeping (bench/README.md, bench-fanout).
final class FanOutCounter: Sendable {
    private struct Counts {
        var total = 0
        var sent = 0
        var failed = 0
        var cancelled = 0
        var firstFailure: String?

        var outcome: FanOutOutcome {
            // The total is at least what finished: a resumed step records deliveries an earlier
            // run finished without expecting them.
            FanOutOutcome(total: max(total, sent + failed + cancelled), sent: sent, failed: failed, cancelled: cancelled, firstFailure: firstFailure)
        }
    }

    private let counts = Mutex(Counts())

    func expect(_ count: Int) { counts.withLock { $0.total += count } }

    /// Records how one delivery ended; returns the counts with it.
    @discardableResult
    func record(_ status: DeliveryStatus, detail: String?) -> FanOutOutcome {
        counts.withLock { counts in
            switch status {
            case .sent: counts.sent += 1
            case .cancelled: counts.cancelled += 1
            default: counts.failed += 1
            }
            if status == .failed, counts.firstFailure == nil { counts.firstFailure = detail }
            return counts.outcome
        }
    }

    /// The counts so far.
    func outcome() -> FanOutOutcome { counts.withLock { $0.outcome } }
}
