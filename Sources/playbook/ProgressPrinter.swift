import Foundation
import PlaybookCore
import PlaybookEngine
import Synchronization

/// Shows a run as it happens: on a terminal one live line per running step with a progress bar
/// for fan-out; otherwise plain log lines; with `--log-format json` one JSON object per event.
///
/// Each event is redacted before it is formatted (the JSON line is built from redacted values,
/// never redacted once serialised).
final class ProgressPrinter: ProgressReporter, Sendable {
    enum Style { case terminal, plain, json }

    private let style: Style
    private let redactor: SecretRedactor
    /// The terminal's live lines. Events come from many delivery tasks at once: each is written
    /// whole under the lock, so lines never interleave.
    private let board = Mutex(LiveLines())

    init(style: Style, redactor: SecretRedactor = SecretRedactor(secrets: [])) {
        self.style = style
        self.redactor = redactor
    }

    /// Now, to the second in UTC (no formatter per line: see `Date.utcTimestamp`).
    private func timestamp() -> String { Date().utcTimestamp }

    func report(_ event: ProgressEvent) {
        let event = event.redacted(by: redactor)
        board.withLock { board in
            switch style {
            case .json: Output.writeError(json(event) + "\n")
            case .plain: if let line = Self.line(event) { Output.writeError("\(timestamp()) \(line)\n") }
            case .terminal: board.show(event)
            }
        }
    }

    fileprivate static func line(_ event: ProgressEvent) -> String? {
        switch event {
        case .incidentOpened(let id, let resumed): return resumed ? "resuming incident \(id)" : "incident \(id) opened"
        case .stepWaiting(let step, let until): return "\(step): waiting until \(ISO8601DateFormatter().string(from: until))"
        case .stepStarted(let step): return "\(step): started"
        case .stepFinished(let step, let status, let detail): return "\(step): \(status.rawValue)\(detail.map { " — \($0)" } ?? "")"
        case .deliveries(let step, let done, let failed, let total, let counting):
            return "\(step): \(done)/\(total)\(counting ? "+" : "") deliveries done\(failed > 0 ? ", \(failed) failed" : "")\(counting ? " (still reading contacts)" : "")"
        case .log(let step, let message): return "\(step ?? "log"): \(message)"
        }
    }

    private func json(_ event: ProgressEvent) -> String {
        var fields: [(String, JSONValue)] = [("time", .string(timestamp()))]
        switch event {
        case .incidentOpened(let id, let resumed): fields += [("event", .string("incident_opened")), ("incident", .string(id)), ("resumed", .bool(resumed))]
        case .stepWaiting(let step, let until):
            fields += [("event", .string("step_waiting")), ("step", .string(step)), ("until", .string(ISO8601DateFormatter().string(from: until)))]
        case .stepStarted(let step): fields += [("event", .string("step_started")), ("step", .string(step))]
        case .stepFinished(let step, let status, let detail):
            fields += [("event", .string("step_finished")), ("step", .string(step)), ("status", .string(status.rawValue)), ("detail", .string(detail ?? ""))]
        case .deliveries(let step, let done, let failed, let total, let counting):
            fields += [
                ("event", .string("deliveries")), ("step", .string(step)), ("done", .number(Double(done))), ("failed", .number(Double(failed))),
                ("total", .number(Double(total))), ("counting", .bool(counting)),
            ]
        case .log(let step, let message): fields += [("event", .string("log")), ("step", .string(step ?? "")), ("message", .string(message))]
        }
        return JSONValue.object(fields).serialized()
    }
}

/// The live lines of running steps on a terminal, with a progress bar for fan-out.
private struct LiveLines {
    private var running: [String: (done: Int, failed: Int, total: Int, counting: Bool, started: Date)] = [:]
    private var order: [String] = []
    private var drawnLines = 0
    private var lastDraw = Date.distantPast

    mutating func show(_ event: ProgressEvent) {
        switch event {
        case .stepStarted(let step):
            running[step] = (0, 0, 0, false, Date())
            order.append(step)
            redraw(force: true)
        case .deliveries(let step, let done, let failed, let total, let counting):
            if let started = running[step]?.started { running[step] = (done, failed, total, counting, started) }
            redraw(force: false)
        case .stepFinished(let step, _, _):
            running[step] = nil
            order.removeAll { $0 == step }
            clear()
            if let text = ProgressPrinter.line(event) { Output.writeError(text + "\n") }
            redraw(force: true)
        default:
            clear()
            if let text = ProgressPrinter.line(event) { Output.writeError(text + "\n") }
            redraw(force: true)
        }
    }

    private mutating func clear() {
        if drawnLines > 0 { Output.writeError(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines)) }
        drawnLines = 0
    }

    private mutating func redraw(force: Bool) {
        guard force || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        clear()
        for step in order {
            guard let state = running[step] else { continue }
            var text = "\u{1B}[1m\(step)\u{1B}[0m running"
            if state.total > 0, state.counting {
                // The total still grows as contacts are read: no bar or ETA that would go back.
                let elapsed = Date().timeIntervalSince(state.started)
                text += " \(state.done)/\(state.total)+ (still reading contacts)"
                text += String(format: " %.0f/s", elapsed > 0 ? Double(state.done) / elapsed : 0)
                if state.failed > 0 { text += " \(state.failed) failed" }
            } else if state.total > 0 {
                let fraction = Double(state.done) / Double(state.total)
                let width = 30
                let filled = Int(fraction * Double(width))
                let elapsed = Date().timeIntervalSince(state.started)
                let rate = elapsed > 0 ? Double(state.done) / elapsed : 0
                let eta = rate > 0 ? Double(state.total - state.done) / rate : 0
                text += " [\(String(repeating: "█", count: filled))\(String(repeating: "·", count: width - filled))] \(state.done)/\(state.total)"
                text += String(format: " %.0f/s ETA %.0fs", rate, eta)
                if state.failed > 0 { text += " \(state.failed) failed" }
            }
            Output.writeError(text + "\n")
            drawnLines += 1
        }
    }
}

enum LogFormat: String, CaseIterable {
    case human, json
}
