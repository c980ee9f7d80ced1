import Foundation
import Synchronization

/// Whether the runner that opened a shared fan-out is still journaling its deliveries, and
/// whether it journaled them all: its worker waits for the other runners only once planning is
/// over, and only if it was complete. Read by the worker while the planner sets it.
final class FanOutPlanning: Sendable {
    private struct State {
        var running = true
        var complete = false
    }

    private let state = Mutex(State())

    func finish(complete: Bool) {
        state.withLock { $0 = State(running: false, complete: complete) }
    }

    var isRunning: Bool { state.withLock { $0.running } }
    var isComplete: Bool { state.withLock { $0.complete } }
}
