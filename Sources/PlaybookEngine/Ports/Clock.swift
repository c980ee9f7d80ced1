import Foundation
import PlaybookCore

/// The engine's clock: real in production, driven by hand in tests so that hours of an incident
/// pass in milliseconds.
public protocol EngineClock: Sendable {
    func now() -> Date
    /// Sleeps until `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// Wall-clock time.
public struct SystemClock: EngineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        // A day at a time: a deadline centuries away (or not a number) must neither trap in the
        // conversion to nanoseconds nor overflow the runtime's own deadline arithmetic.
        var seconds = deadline.timeIntervalSinceNow
        while seconds > 0 {
            try await Task.sleep(nanoseconds: min(seconds, Self.longestSleep).saturatingNanoseconds)
            seconds = deadline.timeIntervalSinceNow
        }
        try Task.checkCancellation()
    }

    /// The longest single sleep, in seconds.
    static let longestSleep = 86_400.0
}
