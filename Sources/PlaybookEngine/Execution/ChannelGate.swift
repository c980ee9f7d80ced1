import Foundation
import PlaybookCore
import Synchronization

/// Per-channel limits on calls: at most `concurrency` in flight, at most `rate` per sliding period
/// (paced evenly, no burst at start), and at most `window` deliveries attempted but not yet
/// durably marked done (the journal's in-flight bound).
///
/// A call's two slots are given back apart: the call slot when the provider has answered
/// (`endCall()`), the window slot once the journal has durably marked the delivery (`confirm()`).
/// The next call then does not wait for the previous one's commit, and marks of up to `window`
/// deliveries gather into one commit; what was attempted but not yet durably marked stays within
/// `window` at every instant. `release()` gives back both at once.
///
/// Not an actor: a delivery takes and gives back slots several times, and a hop to an actor each
/// time cost more than the bookkeeping. The counts live under a lock; only a caller that must
/// wait for a slot (or for its rate slot) suspends.
public final class ChannelGate: Sendable {
    private struct State {
        var inFlight = 0
        var unconfirmed = 0
        var nextSlot: Date?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Calls in flight at most (a single runner starts as many workers per channel).
    let concurrency: Int
    private let window: Int
    private let interval: Double?
    private let clock: any EngineClock
    private let state = Mutex(State())

    public init(concurrency: Int, rate: (count: Int, period: Double)?, window: Int = 64, clock: any EngineClock) {
        self.concurrency = max(1, min(concurrency, window))
        self.window = window
        self.interval = rate.map { $0.period / Double($0.count) }
        self.clock = clock
    }

    /// Waits for a slot; pair with `endCall()` and `confirm()` (or `release()`, both at once).
    public func acquire() async throws {
        while !state.withLock({ takeSlot(&$0) }) {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                // Looked at again under the lock: a slot freed since the last look wakes this waiter
                // at once (it takes the slot on its next turn of the loop).
                let free = state.withLock { state in
                    if hasSlot(state) { return true }
                    state.waiters.append(waiter)
                    return false
                }
                if free { waiter.resume() }
            }
        }
        guard let interval else { return }
        let now = clock.now()
        let slot = state.withLock { state in
            let slot = max(now, state.nextSlot ?? now)
            state.nextSlot = slot.addingTimeInterval(interval)
            return slot
        }
        if slot > now {
            do {
                try await clock.sleep(until: slot)
            } catch {
                release()
                throw error
            }
        }
    }

    /// Calls in flight, deliveries not yet confirmed, and callers waiting for a slot (for tests).
    var counts: (inFlight: Int, unconfirmed: Int, waiting: Int) {
        state.withLock { ($0.inFlight, $0.unconfirmed, $0.waiters.count) }
    }

    /// Whether a call slot and a window slot are both free.
    private func hasSlot(_ state: State) -> Bool {
        state.inFlight < concurrency && state.unconfirmed < window
    }

    /// Takes a call slot and a window slot when both are free.
    private func takeSlot(_ state: inout State) -> Bool {
        guard hasSlot(state) else { return false }
        state.inFlight += 1
        state.unconfirmed += 1
        return true
    }

    /// The call has ended (answered, failed or given up): its call slot is free, its delivery
    /// still counts in the window until `confirm()`.
    public func endCall() {
        give(calls: 1, window: 0)
    }

    /// `count` deliveries are durably marked (a commit's worth): they leave the in-flight window
    /// together, and the callers waiting for a slot are woken once, not once per delivery.
    public func confirm(_ count: Int = 1) {
        give(calls: 0, window: count)
    }

    /// Both at once: the call ended and its outcome is durable (or it was never made).
    public func release() {
        give(calls: 1, window: 1)
    }

    /// Gives slots back and wakes as many waiters, first come first, as could now take both a
    /// call slot and a window slot; the others sleep on. (Waking them all made every ended call
    /// wake each worker waiting on a full window, only for it to find the window still full.) A
    /// woken waiter that finds its slot taken meanwhile waits again, and the next give wakes it.
    private func give(calls: Int, window: Int) {
        let woken = state.withLock { state -> ArraySlice<CheckedContinuation<Void, Never>> in
            state.inFlight -= calls
            state.unconfirmed -= window
            let free = min(concurrency - state.inFlight, self.window - state.unconfirmed)
            guard free > 0, !state.waiters.isEmpty else { return [] }
            let count = min(free, state.waiters.count)
            defer { state.waiters.removeFirst(count) }
            return state.waiters.prefix(count)
        }
        for waiter in woken { waiter.resume() }
    }
}

/// The gates of a run's channels, made on first use: one per channel, shared by every step and
/// action that calls it, so that `concurrency` and `rate` bound the channel, not each step.
actor GateRegistry {
    private var gates: [String: ChannelGate] = [:]

    func gate(for id: String, in playbook: Playbook, clock: any EngineClock) -> ChannelGate {
        if let gate = gates[id] { return gate }
        let channel = playbook.channel(id)
        let gate = ChannelGate(concurrency: channel?.concurrency ?? 16, rate: channel?.rate.map { ($0.count, $0.period) }, clock: clock)
        gates[id] = gate
        return gate
    }
}

extension Engine {
    /// Makes one call to channel `id` (with its retries) once the channel's gate admits it, and
    /// frees both its slots when the call ends, however it ends. Every action but `notify` (whose
    /// deliveries keep their window slot until their mark is journaled) calls channels through here.
    func limited<T: Sendable>(_ id: String, in playbook: Playbook, _ call: () async throws -> T) async throws -> T {
        let gate = await gates.gate(for: id, in: playbook, clock: clock)
        try await gate.acquire()
        defer { gate.release() }
        return try await call()
    }
}
