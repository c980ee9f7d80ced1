import Foundation

/// The sizes that bound a `notify` step's fan-out, for one runner and for several sharing a
/// journal. None of them bounds what is in flight on a channel: each channel's gate does that
/// (`ChannelGate`: its concurrency, at most 64, and its rate), and so the in-flight window of
/// docs/running.md.
enum FanOutLimits {
    /// Deliveries journaled in one write before any of them is attempted (and, shared, the most
    /// a runner claims at once). One write per batch instead of per delivery keeps the journal's
    /// commits off the fan-out's pace; 256 keeps small what a batch holds in memory (with its
    /// rendered messages, when shared) and what a stop leaves journaled but not started.
    static let journalBatch = 256

    /// Delivery tasks a runner of a shared fan-out keeps started and not yet reaped (a single
    /// runner's workers need no such bound: its queues hold `journalBatch` per channel). The
    /// gates already hold back what is sent; this bounds the task group's memory when channels
    /// answer fast. It is eight full
    /// channel windows (8 × 64), so with up to eight channels reaping never holds a gate back.
    static let tasksInFlight = 512

    /// How often, in seconds on the engine's clock, a runner with nothing to claim looks again
    /// while others still hold claims or the planning runner is still journaling.
    static let claimPoll = 0.1

    /// When this many of a fan-out's deliveries have failed (after their retries) and none has
    /// gone out, progress says so once (`FanOutOutcome.allFailingWarning`): two windows of the
    /// default concurrency, enough that a few bad addresses do not trigger it.
    static let failuresBeforeWarning = 32

    /// Whether these counts call for that warning: none went out, and enough failed.
    static func noneWentOut(sent: Int, failed: Int) -> Bool {
        sent == 0 && failed >= failuresBeforeWarning
    }
}
