import Foundation
import PlaybookCore

/// Per-channel limits on calls: at most `concurrency` in flight, at most `rate` per sliding period
/// (paced evenly, no burst at start), and at most `window` deliveries attempted but not yet
/// durably marked done (the journal's in-flight bound).
public actor ChannelGate {
    private let concurrency: Int
    private let window: Int
    private let interval: Double?
    private let clock: any EngineClock
    private var inFlight = 0
    private var unconfirmed = 0
    private var nextSlot: Date?
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(concurrency: Int, rate: (count: Int, period: Double)?, window: Int = 64, clock: any EngineClock) {
        self.concurrency = max(1, min(concurrency, window))
        self.window = window
        self.interval = rate.map { $0.period / Double($0.count) }
        self.clock = clock
    }

    /// Waits for a slot; pair with `release()` once the delivery is durably marked.
    public func acquire() async throws {
        while inFlight >= concurrency || unconfirmed >= window {
            await withCheckedContinuation { waiters.append($0) }
        }
        inFlight += 1
        unconfirmed += 1
        if let interval {
            let now = clock.now()
            let slot = max(now, nextSlot ?? now)
            nextSlot = slot.addingTimeInterval(interval)
            if slot > now {
                do {
                    try await clock.sleep(until: slot)
                } catch {
                    release()
                    throw error
                }
            }
        }
    }

    public func release() {
        inFlight -= 1
        unconfirmed -= 1
        if !waiters.isEmpty { waiters.removeFirst().resume() }
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
    /// frees the slot when the call ends, however it ends. Every action but `notify` (which holds
    /// its slot until the delivery is journaled) calls channels through here.
    func limited<T: Sendable>(_ id: String, in playbook: Playbook, _ call: () async throws -> T) async throws -> T {
        let gate = await gates.gate(for: id, in: playbook, clock: clock)
        try await gate.acquire()
        do {
            let result = try await call()
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }
}
