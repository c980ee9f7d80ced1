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
        /// Deliveries this run attempted that went out, and that failed (a resume's earlier
        /// results not included).
        var attemptedSent = 0
        var attemptedFailed = 0
        /// Whether the all-failing warning was given.
        var warned = false

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

    /// How one delivery ended, recorded: the counts with it, whether the total may still grow,
    /// and whether this was the failure that makes the run's first
    /// `FanOutLimits.failuresBeforeWarning` attempted deliveries all failed (true once).
    struct Recorded {
        var outcome: FanOutOutcome
        var counting: Bool
        var allFailing: Bool
    }

    /// Records how one delivery ended; `attempted` is false for what an earlier run finished
    /// (a resume) and for deliveries cancelled without a call.
    @discardableResult
    func record(_ status: DeliveryStatus, detail: String?, attempted: Bool = true) -> Recorded {
        counts.withLock { counts in
            switch status {
            case .sent: counts.sent += 1
            case .cancelled: counts.cancelled += 1
            default: counts.failed += 1
            }
            if status == .failed, counts.firstFailure == nil { counts.firstFailure = detail }
            var allFailing = false
            if attempted, status == .sent { counts.attemptedSent += 1 }
            if attempted, status == .failed { counts.attemptedFailed += 1 }
            if !counts.warned, FanOutLimits.noneWentOut(sent: counts.attemptedSent, failed: counts.attemptedFailed) {
                counts.warned = true
                allFailing = true
            }
            return Recorded(outcome: counts.outcome, counting: counts.counting, allFailing: allFailing)
        }
    }

    /// The counts so far.
    func outcome() -> FanOutOutcome { counts.withLock { $0.outcome } }
}
