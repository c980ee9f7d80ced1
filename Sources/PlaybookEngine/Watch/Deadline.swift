import Foundation
import Synchronization

/// Waits for `operation` at most until `seconds` have passed on `clock`, then returns `fallback`
/// without waiting for it any longer.
///
/// Unlike a task group, which cannot return before all its children have, this abandons an
/// operation that ignores cancellation (a probe stuck in a library call): it is cancelled and
/// left to end on its own, and nobody waits for it. A hung probe never stalls a probe cycle.
func withDeadline<T: Sendable>(_ seconds: Double, clock: any EngineClock, fallback: T, _ operation: @escaping @Sendable () async -> T) async -> T {
    let deadline = clock.now().addingTimeInterval(seconds)
    return await firstAnswer(operation) {
        try? await clock.sleep(until: deadline)
        return fallback
    }
}

/// The answer of whichever of `first` and `second` ends first; the other is cancelled and
/// nobody waits for it. When the caller is cancelled, both are, and the first to end answers.
func firstAnswer<T: Sendable>(_ first: @escaping @Sendable () async -> T, _ second: @escaping @Sendable () async -> T) async -> T {
    let gate = FirstAnswer<T>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            gate.arm(continuation)
            let one = Task { gate.answer(await first()) }
            let two = Task { gate.answer(await second()) }
            gate.onAnswer {
                one.cancel()
                two.cancel()
            }
        }
    } onCancel: {
        gate.cancelAll()
    }
}

/// Resumes a continuation once, with whichever answer comes first.
private final class FirstAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, Never>?
        var early: T?
        var answered = false
        var cleanup: (@Sendable () -> Void)?
        var cancelled = false
    }

    private let state = Mutex(State())

    func arm(_ continuation: CheckedContinuation<T, Never>) {
        let resumeWith: T? = state.withLock { state in
            if state.answered { return state.early }
            state.continuation = continuation
            return nil
        }
        if let resumeWith { continuation.resume(returning: resumeWith) }
    }

    /// Registers what to do once answered (or at once, when already answered).
    func onAnswer(_ action: @escaping @Sendable () -> Void) {
        let now: Bool = state.withLock { state in
            state.cleanup = action
            return state.answered || state.cancelled
        }
        if now { action() }
    }

    /// Runs the clean-up (cancelling both sides) without answering: the first to end answers.
    func cancelAll() {
        let action: (@Sendable () -> Void)? = state.withLock { state in
            state.cancelled = true
            return state.cleanup
        }
        action?()
    }

    /// Returns true when this was the first answer.
    @discardableResult
    func answer(_ value: T) -> Bool {
        let (first, waiting, action): (Bool, CheckedContinuation<T, Never>?, (@Sendable () -> Void)?) = state.withLock { state in
            guard !state.answered else { return (false, nil, nil) }
            state.answered = true
            let waiting = state.continuation
            state.continuation = nil
            if waiting == nil { state.early = value }
            return (true, waiting, state.cleanup)
        }
        waiting?.resume(returning: value)
        action?()
        return first
    }
}
