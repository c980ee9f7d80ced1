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
        /// Whether contacts are still being read (the total still grows).
        var counting = true

        var outcome: FanOutOutcome {
            // The total is at least what finished: a resumed step records deliveries an earlier
            // run finished without expecting them.
            FanOutOutcome(total: max(total, sent + failed + cancelled), sent: sent, failed: failed, cancelled: cancelled, firstFailure: firstFailure)
        }
    }

    private let counts = Mutex(Counts())

    func expect(_ count: Int) { counts.withLock { $0.total += count } }

    /// Every contact has been read: the total is final.
    func countingEnded() { counts.withLock { $0.counting = false } }

    /// Whether contacts are still being read.
    var counting: Bool { counts.withLock { $0.counting } }

    /// Records how one delivery ended; returns the counts with it, and whether the total may
    /// still grow.
    @discardableResult
    func record(_ status: DeliveryStatus, detail: String?) -> (outcome: FanOutOutcome, counting: Bool) {
        counts.withLock { counts in
            switch status {
            case .sent: counts.sent += 1
            case .cancelled: counts.cancelled += 1
            default: counts.failed += 1
            }
            if status == .failed, counts.firstFailure == nil { counts.firstFailure = detail }
            return (counts.outcome, counts.counting)
        }
    }

    /// The counts so far.
    func outcome() -> FanOutOutcome { counts.withLock { $0.outcome } }
}
