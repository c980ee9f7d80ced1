import NIOCore
import Synchronization

/// Waits in `bind` for the server to be bound, or for why it could not be.
final class StartSignal: Sendable {
    private let state = Mutex<(result: Result<SocketAddress?, any Error>?, waiter: CheckedContinuation<SocketAddress?, any Error>?)>((nil, nil))

    func bound(_ address: SocketAddress?) { finish(.success(address)) }
    func failed(_ error: any Error) { finish(.failure(error)) }

    func address() async throws -> SocketAddress? {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<SocketAddress?, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func finish(_ result: Result<SocketAddress?, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<SocketAddress?, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }
}
