/// The timestamped webhook signatures a listener has accepted, each kept until the timestamp
/// window has closed on it, so that the same request sent again is refused as a replay.
///
/// Only requests signed with the trigger's secret get here, so it grows with genuine alerts, not
/// with what strangers send; still it holds at most `capacity`, and refuses new signatures while
/// full rather than forgetting ones whose window is open.
public struct SeenSignatures: Sendable {
    /// 100,000 signed requests in 5 minutes: far beyond any alerting tool, a few MiB at most.
    public static let capacity = 100_000
    /// Expired signatures are swept at most this often (seconds), or when full.
    static let sweepInterval: Int64 = 60

    private var until: [String: Int64] = [:]
    private var nextSweep = Int64.min

    public init() {}

    public var count: Int { until.count }

    /// Records `signature`, kept until `expiry`; false when it was already seen (or while full).
    public mutating func firstUse(_ signature: String, until expiry: Int64, now: Int64) -> Bool {
        if now >= nextSweep || until.count >= Self.capacity {
            until = until.filter { $0.value >= now }
            nextSweep = now + Self.sweepInterval
        }
        if let kept = until[signature], kept >= now { return false }
        guard until.count < Self.capacity else { return false }
        until[signature] = expiry
        return true
    }
}
