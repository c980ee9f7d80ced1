import Foundation
import Testing

@testable import PlaybookEngine

/// A channel's gate gives a call's two slots back apart: the call slot when the provider has
/// answered, the window slot when the journal has durably marked the delivery. The next call
/// need not wait for the last one's commit, and what is attempted but not durably marked never
/// exceeds the window (the in-flight window of docs/running.md).
@Suite struct ChannelGateTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_633_362_000))

    /// Waits until `gate` has `count` callers waiting for a slot.
    func waitForWaiters(_ gate: ChannelGate, count: Int) async {
        while gate.counts.waiting != count { await Task.yield() }
    }

    @Test func aCallEndedButNotYetMarkedFreesItsCallSlotOnly() async throws {
        let gate = ChannelGate(concurrency: 2, rate: nil, window: 3, clock: clock)
        try await gate.acquire()
        try await gate.acquire()
        #expect(gate.counts == (2, 2, 0))

        // The first call has answered; its mark is not durable yet: a third call may start.
        gate.endCall()
        try await gate.acquire()
        #expect(gate.counts == (2, 3, 0))

        // Two calls end, none marked: the window (3) is full, so a fourth call waits.
        gate.endCall()
        gate.endCall()
        let fourth = Task { try await gate.acquire() }
        await waitForWaiters(gate, count: 1)
        #expect(gate.counts == (0, 3, 1))

        // One mark is durable: the waiting call goes.
        gate.confirm()
        try await fourth.value
        #expect(gate.counts == (1, 3, 0))
    }

    @Test func aFullCallSlotHoldsCallsBackWhateverTheWindow() async throws {
        let gate = ChannelGate(concurrency: 1, rate: nil, window: 64, clock: clock)
        try await gate.acquire()
        let second = Task { try await gate.acquire() }
        await waitForWaiters(gate, count: 1)
        // A confirmation alone frees no call slot: the waiter looks again and waits on.
        gate.confirm()
        await waitForWaiters(gate, count: 1)
        #expect(gate.counts == (1, 0, 1))
        gate.endCall()
        try await second.value
        #expect(gate.counts == (1, 1, 0))
        gate.release()
        #expect(gate.counts == (0, 0, 0))
    }

    /// Workers waiting on a full window: an ended call wakes none of them (the window is still
    /// full), and a commit's confirmation of two wakes two, first come first; the third sleeps on.
    @Test func aGiveWakesOnlyAsManyWaitersAsCanGo() async throws {
        let gate = ChannelGate(concurrency: 4, rate: nil, window: 2, clock: clock)
        try await gate.acquire()
        try await gate.acquire()
        let waiting = (0..<3).map { _ in Task { try await gate.acquire() } }
        await waitForWaiters(gate, count: 3)

        gate.endCall()
        #expect(gate.counts == (1, 2, 3))

        gate.endCall()
        gate.confirm(2)
        #expect(gate.counts.waiting == 1)
        // The two woken take their slots (which two depends on the order they began waiting).
        while gate.counts != (2, 2, 1) { await Task.yield() }

        gate.release()
        for task in waiting { try await task.value }
        #expect(gate.counts == (2, 2, 0))
    }
}
