import Foundation
import PlaybookCore

/// Runs one channel call with the step's retry policy: exponential backoff from `backoff`,
/// doubling, with jitter, capped at 5 minutes; a retry hint from the provider (429/503) is
/// honoured; each attempt is bounded by the step's `timeout` (see `CallTimeout`).
struct Retrying {
    let policy: RetryPolicy
    let timeout: Double
    let clock: any EngineClock

    static let cap = 300.0

    /// The delay before retry number `retry` (1-based), with ±20% jitter.
    static func delay(_ retry: Int, backoff: Double, hint: Double?, jitter: Double) -> Double {
        if let hint { return min(max(hint, 0), cap) }
        let base = min(backoff * pow(2, Double(retry - 1)), cap)
        return min(base * (0.8 + 0.4 * jitter), cap)
    }

    /// A failed channel call in one line: the channel's reason, and how many attempts were made.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let failed as AttemptsFailed: return "\(failed.error.message) (after \(failed.attempts) attempt\(failed.attempts == 1 ? "" : "s"))"
        case let channel as ChannelFailure: return channel.message
        default: return "\(error)"
        }
    }

    /// Returns the number of attempts made; throws the last error when all failed.
    func run<T: Sendable>(_ call: @escaping @Sendable () async throws(ChannelFailure) -> T) async throws -> (T, Int) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return (try await withTimeout(call), attempt)
            } catch let error as ChannelFailure {
                guard error.isRetryable, attempt < policy.attempts else { throw AttemptsFailed(error: error, attempts: attempt) }
                guard case .retryable(let hint) = error.kind else { throw AttemptsFailed(error: error, attempts: attempt) }
                let wait = Self.delay(attempt, backoff: policy.backoff, hint: hint, jitter: Double.random(in: 0...1))
                try await clock.sleep(until: clock.now().addingTimeInterval(wait))
            }
        }
    }

    /// Bounds the attempt by the step's timeout through `CallTimeout`, which adapters honour.
    private func withTimeout<T: Sendable>(_ call: @escaping @Sendable () async throws(ChannelFailure) -> T) async throws -> T {
        try await CallTimeout.$seconds.withValue(timeout) { try await call() }
    }
}

/// Every attempt of a call failed.
struct AttemptsFailed: Error {
    var error: ChannelFailure
    var attempts: Int
}
