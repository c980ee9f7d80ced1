import Foundation
import Synchronization

/// Gathers the marks of a fan-out's deliveries into fewer journal commits. A mark waits until
/// `gatherUpTo` marks are waiting or none of the fan-out's calls is still in flight; the delivery
/// whose mark completes a batch commits it, in its own task. Only then do the batch's deliveries
/// leave their channel's in-flight window (`ChannelGate.confirm`) and count as done
/// (`whenDurable`): a delivery is reported sent once the journal durably says so, never before.
///
/// Why: a commit costs far more than a mark in it (the transaction's WAL frames, file locks and
/// checkpoints: about 150 µs), and marks that each start a commit as they come gather only as
/// many as arrive during the commit before. A delivery whose mark merely joins a batch does not
/// wait for the commit: its task ends there, so no task is suspended and woken again per
/// delivery (bench/README.md). Waiting costs no throughput either: a delivery gives its call slot
/// back when the provider answers (`ChannelGate.endCall`) and only its window slot waits for the
/// commit, so calls go on while marks gather. What is attempted but not durably marked stays
/// within the gate's window (64) at every instant, whatever `gatherUpTo` is; 24 leaves room in it
/// for one batch gathering, one committing and the 16 calls of a channel's default concurrency.
///
/// Nothing waits forever: every call that starts ends (its timeout bounds it) and is marked, and
/// the mark that finds no call in flight commits everything gathered — the fan-out's task group,
/// which awaits every delivery task, therefore awaits every commit too.
final class DeliveryMarks: Sendable {
    /// One delivery's mark, the gate whose window slot it holds, and how it ended.
    struct Entry: Sendable {
        var mark: DeliveryMark
        var gate: ChannelGate
    }

    /// Told, once a delivery's mark is durable (or could not be written), how the delivery ended.
    typealias Durable = @Sendable (_ status: DeliveryStatus, _ detail: String?) -> Void

    private struct State {
        /// Calls started (`callStarting`) and not ended (`callEnded`).
        var calling = 0
        var gathered: [Entry] = []
    }

    private let journal: any Journal
    private let gatherUpTo: Int
    private let redact: @Sendable (String) -> String
    private let whenDurable: Durable
    private let state = Mutex(State())

    init(journal: any Journal, gatherUpTo: Int = 24, redact: @escaping @Sendable (String) -> String = { $0 }, whenDurable: @escaping Durable) {
        self.journal = journal
        self.gatherUpTo = max(1, gatherUpTo)
        self.redact = redact
        self.whenDurable = whenDurable
    }

    func callStarting() {
        state.withLock { $0.calling += 1 }
    }

    func callEnded() {
        state.withLock { $0.calling -= 1 }
    }

    /// Adds `mark` (its delivery holding a window slot of `gate`) to the gathered ones; the call
    /// that completes a batch commits it before returning, then confirms each delivery's slot and
    /// tells `whenDurable`. A sent delivery whose mark could not be written counts as failed,
    /// with the journal's reason (a resume finds it pending and sends it again, with its key).
    func mark(_ mark: DeliveryMark, gate: ChannelGate) async {
        let batch = state.withLock { state -> [Entry]? in
            state.gathered.append(Entry(mark: mark, gate: gate))
            guard state.gathered.count >= gatherUpTo || state.calling <= 0 else { return nil }
            defer { state.gathered = [] }
            return state.gathered
        }
        guard let batch else { return }
        var failure: String?
        do {
            try await journal.markDeliveries(batch.map(\.mark))
        } catch {
            failure = redact(Retrying.describe(error))
        }
        // The window slots go back per gate, all at once: a slot at a time woke the channel's
        // waiting workers once per mark.
        var confirming: [ObjectIdentifier: (gate: ChannelGate, count: Int)] = [:]
        for entry in batch { confirming[ObjectIdentifier(entry.gate), default: (entry.gate, 0)].count += 1 }
        for (gate, count) in confirming.values { gate.confirm(count) }
        for entry in batch {
            if let failure, entry.mark.status == .sent {
                whenDurable(.failed, failure)
            } else {
                whenDurable(entry.mark.status, entry.mark.detail)
            }
        }
    }
}
