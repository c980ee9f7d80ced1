import Foundation
import Synchronization

/// Gathers the marks of a fan-out's deliveries into fewer journal commits. A delivery's mark waits
/// until `gatherUpTo` marks are waiting or none of the fan-out's calls is still in flight (the last
/// call to end then commits what gathered), and returns once its commit is durable.
///
/// Why: a commit costs far more than a mark in it (the transaction's WAL frames, file locks and
/// checkpoints: about 150 µs), and marks that each start a commit as they come gather only as
/// many as arrive during the commit before. Waiting costs no throughput: a delivery gives its call
/// slot back when the provider answers (`ChannelGate.endCall`) and only its window slot waits for
/// the mark, so calls go on while marks gather. What is attempted but not durably marked stays
/// within the gate's window (64) at every instant, whatever `gatherUpTo` is; 24 leaves room in it
/// for one batch gathering, one committing and the 16 calls of a channel's default concurrency.
///
/// Nothing waits forever: every call that starts ends (its timeout bounds it) and is marked, and
/// the mark that finds no call in flight commits everything gathered.
final class DeliveryMarks: Sendable {
    /// Marks taken together for one commit, and the callers waiting for it.
    private struct Batch {
        var marks: [DeliveryMark]
        var waiting: [CheckedContinuation<Batch?, any Error>]
    }

    private struct State {
        /// Calls started (`callStarting`) and not ended (`callEnded`).
        var calling = 0
        var gathered = Batch(marks: [], waiting: [])
    }

    private let journal: any Journal
    private let gatherUpTo: Int
    private let state = Mutex(State())

    init(journal: any Journal, gatherUpTo: Int = 24) {
        self.journal = journal
        self.gatherUpTo = max(1, gatherUpTo)
    }

    func callStarting() {
        state.withLock { $0.calling += 1 }
    }

    func callEnded() {
        state.withLock { $0.calling -= 1 }
    }

    /// Journals `mark` with the others gathered; returns once it is durable, throws when the
    /// commit failed. The caller whose mark completes a batch commits it, in its own task (no
    /// task of its own for the commit: the engine's work stays where its caller runs it).
    func mark(_ mark: DeliveryMark) async throws {
        let batch = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Batch?, any Error>) in
            let complete = state.withLock { state -> Batch? in
                state.gathered.marks.append(mark)
                guard state.gathered.marks.count >= gatherUpTo || state.calling <= 0 else {
                    state.gathered.waiting.append(continuation)
                    return nil
                }
                defer { state.gathered = Batch(marks: [], waiting: []) }
                return state.gathered
            }
            // This caller commits the batch (resumed at once with it); the others wait for it.
            if let complete { continuation.resume(returning: complete) }
        }
        guard let batch else { return }
        do {
            try await journal.markDeliveries(batch.marks)
        } catch {
            for waiter in batch.waiting { waiter.resume(throwing: error) }
            throw error
        }
        for waiter in batch.waiting { waiter.resume(returning: nil) }
    }
}
