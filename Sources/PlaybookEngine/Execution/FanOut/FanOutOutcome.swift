import Foundation
import PlaybookCore

/// How a `notify` step's fan-out ended, counted, and the step's result in words: one summary for
/// a single runner's fan-out and for a shared one.
struct FanOutOutcome: Sendable, Equatable {
    var total: Int
    var sent: Int
    var failed: Int
    var cancelled: Int
    /// Why the first failed delivery failed, when one did.
    var firstFailure: String?

    /// Finished deliveries, whatever their status.
    var done: Int { sent + failed + cancelled }

    /// The counts a shared journal holds for the step (every runner's deliveries).
    init(counts: [DeliveryStatus: Int]) {
        self.init(
            total: counts.values.reduce(0, +), sent: counts[.sent] ?? 0, failed: counts[.failed] ?? 0, cancelled: counts[.cancelled] ?? 0,
            firstFailure: nil)
    }

    init(total: Int, sent: Int, failed: Int, cancelled: Int, firstFailure: String?) {
        self.total = total
        self.sent = sent
        self.failed = failed
        self.cancelled = cancelled
        self.firstFailure = firstFailure
    }

    /// The progress event for these counts; `counting` while contacts are still being read.
    func progress(step: String, counting: Bool = false) -> ProgressEvent {
        .deliveries(step: step, done: done, failed: failed, total: total, counting: counting)
    }

    /// What progress says once when a fan-out's first deliveries have all failed: the channel is
    /// likely down or misconfigured (a wrong URL, an expired token), and the person watching can
    /// stop the run rather than wait while every other delivery is tried with its retries (what
    /// has not been tried stays pending for the next run; what failed had its retries).
    var allFailingWarning: String {
        "none of the first \(failed) deliveries went out\(firstFailure.map { " — first failure: \($0)" } ?? ""). "
            + "The others are still tried, each with its retries; to fix the channel first, stop the run: deliveries not yet tried stay pending, and running it again sends them; those that failed go out again with --retry-failed"
    }

    /// The step's result: interrupted (a stop came before every contact was read or every
    /// delivery finished; the resume sends the rest), failed when a delivery failed, else how
    /// many were sent and how many were not because the incident resolved first.
    func result(interrupted: Bool) -> Engine.ActionResult {
        if interrupted { return .failed("interrupted after \(done) of \(total) deliveries") }
        if failed > 0 { return .failed("\(failed) of \(total) deliveries failed\(firstFailure.map { "; first: \($0)" } ?? "")") }
        let notSent = cancelled > 0 ? "; \(cancelled) not sent: the incident resolved before their quiet hours ended" : ""
        return .succeeded("\(sent) deliveries sent\(notSent)")
    }
}
