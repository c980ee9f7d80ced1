import Foundation

/// A request to stop a run gracefully (SIGINT/SIGTERM): no new step or delivery starts, calls in
/// flight finish and are journaled, and the run returns as interrupted. Not task cancellation,
/// which would abort the calls in flight.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    public init() {}

    public var isRequested: Bool { lock.withLock { requested } }

    public func request() {
        let toResume: [CheckedContinuation<Void, Never>] = lock.withLock {
            requested = true
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in toResume { waiter.resume() }
    }

    /// Returns when a stop is requested (or the task is cancelled).
    public func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if requested || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = lock.withLock { waiters.removeValue(forKey: id) }
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
