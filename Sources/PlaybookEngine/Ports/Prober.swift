import Foundation
import PlaybookCore

/// What one probe of a check saw.
public struct ProbeResult: Sendable, Equatable {
    /// The check passed (the thing probed looks up).
    public var ok: Bool
    /// What was seen, for logs: "HTTP 200", "3 answers", "SERVFAIL", "no answer in 10s".
    public var detail: String

    public init(ok: Bool, detail: String) {
        self.ok = ok
        self.detail = detail
    }

    public static func up(_ detail: String) -> ProbeResult { ProbeResult(ok: true, detail: detail) }
    public static func down(_ detail: String) -> ProbeResult { ProbeResult(ok: false, detail: detail) }
}

/// Probes the checks of `platform_down` triggers (http, dns, statuspage). `playbook watch` gets
/// the network one; tests a scripted one.
public protocol Prober: Sendable {
    /// Probes `check`, answering within `timeout` seconds. Never throws: a check that cannot be
    /// made (no answer, refused, malformed reply) has failed, and says why.
    func probe(_ check: ProbeCheck, timeout: Double) async -> ProbeResult
}

/// Why a source could not be read. Its message names no secret (no token, no full URL).
public struct SourceFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads the numbers of `traffic_drop` triggers from their `sources:`.
public protocol SourceReader: Sendable {
    /// The source's value now (`time` is the watcher's now, for sources that replay a file).
    /// `playbook` is the one that declares it (relative paths are read beside it).
    func current(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double
    /// The source's value at an earlier moment, when the source keeps its own history
    /// (Prometheus, a csv file); nil when it does not, and the watcher's journal must remember.
    func past(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double?
}
