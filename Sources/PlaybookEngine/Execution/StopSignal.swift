import Foundation
import Synchronization

/// A request to stop a run gracefully (SIGINT/SIGTERM): no new step or delivery starts, calls in
/// flight finish and are journaled, and the run returns as interrupted. Not task cancellation,
/// which would abort the calls in flight.
///
/// A class, not an actor: `isRequested` is read synchronously in the fan-outs' hot loops.
public final class StopSignal: Sendable {
    private struct State {
        var requested = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isRequested: Bool { state.withLock { $0.requested } }

    public func request() {
        let toResume: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.requested = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in toResume { waiter.resume() }
    }

    /// Returns when a stop is requested (or the task is cancelled).
    public func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock {
                    if $0.requested || Task.isCancelled { return true }
                    $0.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Sleeps until `deadline` on `clock`; returns false when a stop came first.
    public func sleep(until deadline: Date, clock: any EngineClock) async -> Bool {
        if isRequested { return false }
        if deadline <= clock.now() { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await clock.sleep(until: deadline)) != nil }
            group.addTask {
                await self.wait()
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first && !isRequested
        }
    }
}
