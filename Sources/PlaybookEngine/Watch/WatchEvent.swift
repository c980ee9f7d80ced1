import Foundation
import PlaybookCore
import Synchronization

/// One change the watcher logs: a platform going down or up, a trigger's condition, a fire, an
/// incident opened or resolved, a source that cannot be read, a webhook request, a step of a run.
///
/// `message` is the human line; `fields` the same facts for `--log-format json`.
public struct WatchEvent: Sendable {
    public var time: Date
    /// A stable name for machines: `platform_down`, `trigger_fired`, `incident_opened`, ...
    public var name: String
    public var playbook: String?
    public var fields: [(String, JSONValue)]
    public var message: String
    /// Worth a warning (a source that cannot be read, a rejected request, a failed step).
    public var isWarning: Bool

    public init(time: Date, name: String, playbook: String?, fields: [(String, JSONValue)] = [], message: String, isWarning: Bool = false) {
        self.time = time
        self.name = name
        self.playbook = playbook
        self.fields = fields
        self.message = message
        self.isWarning = isWarning
    }

    /// The event as one JSON object: time, event, playbook, then its fields.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("time", .string(Self.iso(time))), ("event", .string(name))]
        if let playbook { members.append(("playbook", .string(playbook))) }
        members += fields
        members.append(("message", .string(message)))
        return .object(members)
    }

    public static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// Where the watcher's events go (the terminal, a JSON log, a test's list).
public protocol WatchReporter: Sendable {
    func report(_ event: WatchEvent)
}

/// Keeps events in memory, for tests.
public final class RecordingWatchReporter: WatchReporter, Sendable {
    private let recorded = Mutex<[WatchEvent]>([])

    public init() {}

    public func report(_ event: WatchEvent) { recorded.withLock { $0.append(event) } }

    public var events: [WatchEvent] { recorded.withLock { $0 } }

    public func events(named name: String, playbook: String? = nil) -> [WatchEvent] {
        events.filter { $0.name == name && (playbook == nil || $0.playbook == playbook) }
    }
}

/// Passes the engine's progress of one playbook's runs on as watch events.
struct EngineProgressEvents: ProgressReporter {
    let playbook: String
    let reporter: any WatchReporter
    let clock: any EngineClock

    func report(_ event: ProgressEvent) {
        let now = clock.now()
        switch event {
        case .incidentOpened(let id, let resumed):
            // The watcher reports the incidents it opens itself; the engine says when it resumes one.
            if resumed {
                reporter.report(
                    WatchEvent(
                        time: now, name: "incident_resumed", playbook: playbook, fields: [("incident", .string(id))],
                        message: "resuming incident \(id) where it stopped"))
            }
        case .stepWaiting(let step, let until):
            reporter.report(
                WatchEvent(
                    time: now, name: "step_waiting", playbook: playbook, fields: [("step", .string(step)), ("until", .string(WatchEvent.iso(until)))],
                    message: "\(step): waiting until \(WatchEvent.iso(until))"))
        case .stepStarted(let step):
            reporter.report(WatchEvent(time: now, name: "step_started", playbook: playbook, fields: [("step", .string(step))], message: "\(step): started"))
        case .stepFinished(let step, let status, let detail):
            var fields: [(String, JSONValue)] = [("step", .string(step)), ("status", .string(status.rawValue))]
            if let detail { fields.append(("detail", .string(detail))) }
            reporter.report(
                WatchEvent(
                    time: now, name: "step_finished", playbook: playbook, fields: fields,
                    message: "\(step): \(status.rawValue)\(detail.map { " — \($0)" } ?? "")", isWarning: status == .failed))
        case .deliveries:
            break  // fan-out progress is for terminals watching one run; the journal and /metrics keep counts
        case .log(let step, let message):
            reporter.report(
                WatchEvent(
                    time: now, name: "log", playbook: playbook, fields: [("step", step.map(JSONValue.string) ?? .null), ("text", .string(message))],
                    message: "\(step ?? "log"): \(message)"))
        }
    }
}
