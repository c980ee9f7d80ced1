import Foundation
import PlaybookCore

/// What `playbook run` learned about its trigger before opening the incident: each platform
/// probed once, or the traffic source read once, and the trigger facts that follow.
public struct TriggerReading: Sendable {
    /// One platform of a `platform_down` trigger.
    public struct Platform: Sendable, Equatable {
        public var id: String
        public var down: Bool
        /// Which checks failed and why, or "3/3 checks pass".
        public var detail: String
        /// How long its slowest check took to answer.
        public var seconds: Double
    }

    public var trigger: String
    public var platforms: [Platform] = []
    /// `traffic_drop`: the value and baseline read, when they could be.
    public var value: Double?
    public var baseline: Double?
    /// Why the source could not be read, or why there is no baseline.
    public var problem: String?
    /// Whether nothing was probed (`--no-probe`): every listed platform counts as down.
    public var assumed = false
    /// The trigger facts to run with (`trigger.platforms`, or `trigger.value`/`baseline`/`drop`).
    public var facts: [(path: [String], value: Value)] = []

    /// The platforms found down, in the trigger's order.
    public var downPlatforms: [String] { platforms.filter(\.down).map(\.id) }

    /// The lines printed before the confirmation, e.g.
    /// `  instagram  DOWN  2/3 checks fail (dns instagram.com: SERVFAIL; …)  10.0 s`.
    public var lines: [String] {
        var lines: [String] = []
        if !platforms.isEmpty {
            if assumed {
                lines.append("trigger '\(trigger)': not probed (--no-probe): every platform it lists counts as down")
            } else {
                lines.append("trigger '\(trigger)': probed each platform once (--no-probe skips this; --set trigger.platforms=… decides instead)")
                let width = platforms.map(\.id.count).max() ?? 0
                for platform in platforms {
                    let padding = String(repeating: " ", count: max(0, width - platform.id.count))
                    let seconds = String(format: "%.1f s", platform.seconds)
                    lines.append("  \(platform.id)\(padding)  \(platform.down ? "DOWN" : "up  ")  \(platform.detail)  \(seconds)")
                }
            }
            let down = downPlatforms
            if down.isEmpty {
                lines.append("trigger.platforms = [] — no platform looks down now: steps whose 'if' reads trigger.platforms will be skipped")
            } else {
                lines.append("trigger.platforms = [\(down.joined(separator: ", "))] (\(PlatformCatalog.names(down)))")
            }
        } else if let value {
            let baselineText = baseline.map { Value.number($0).displayText } ?? "unknown"
            var line = "trigger '\(trigger)': read its source once: trigger.value = \(Value.number(value).displayText), trigger.baseline = \(baselineText)"
            if let baseline, baseline > 0 { line += ", trigger.drop = \(Value.percentage(max(0, 1 - value / baseline)).displayText)" }
            lines.append(line)
            if let problem { lines.append("  \(problem)") }
        } else if let problem {
            lines.append("trigger '\(trigger)': could not read its source: \(problem); trigger.value, trigger.baseline and trigger.drop stay 0")
        }
        return lines
    }
}

/// Probes a trigger once, with the rules of `playbook watch` (the same checks, `down_when`,
/// per-check `timeout`; a check that errors or times out fails), so that `playbook run` by hand
/// knows which platforms are down — and a step such as `pause-ads`, whose `if` reads
/// `trigger.platforms`, runs without the person having to know about `--set`.
public struct TriggerProbe: Sendable {
    let observer: TriggerObserver

    public init(prober: any Prober, sources: any SourceReader, journal: any Journal, clock: any EngineClock = SystemClock()) {
        let metrics = WatchMetrics()
        observer = TriggerObserver(
            checks: CheckCoalescer(prober: prober, clock: clock, metrics: metrics),
            sources: SourceCoalescer(reader: sources, journal: journal, clock: clock, metrics: metrics), clock: clock)
    }

    /// Whether `run` should probe `trigger`: a `platform_down` trigger without
    /// `trigger.platforms` given, a `traffic_drop` trigger without `trigger.value` given.
    public static func shouldProbe(_ trigger: Trigger, given assignments: [(path: [String], value: Value)]) -> Bool {
        let given = Set(assignments.filter { $0.path.first == "trigger" }.map { $0.path.dropFirst().joined(separator: ".") })
        switch trigger.kind {
        case .platformDown: return !given.contains("platforms")
        case .trafficDrop: return !given.contains("value")
        case .manual, .webhook: return false
        }
    }

    /// Reads the trigger once; nil for kinds that are not probed (`manual`, `webhook`).
    public func read(_ trigger: Trigger, of playbook: Playbook) async -> TriggerReading? {
        var reading = TriggerReading(trigger: trigger.id.value)
        switch trigger.kind {
        case .manual, .webhook:
            return nil
        case .platformDown:
            guard case .success(let sample) = await observer.observe(trigger, of: playbook) else { return nil }
            reading.platforms = sample.platforms.map { TriggerReading.Platform(id: $0.id, down: $0.down, detail: $0.detail, seconds: $0.seconds) }
            reading.facts = [(["trigger", "platforms"], .list(reading.downPlatforms.map(Value.text)))]
        case .trafficDrop:
            switch await observer.observe(trigger, of: playbook) {
            case .failure(let failure):
                reading.problem = failure.message
            case .success(let sample):
                reading.value = sample.value
                reading.baseline = sample.baseline
                if sample.baseline == nil { reading.problem = "no baseline: \(sample.detail)" }
                let facts = TriggerConditions.trafficFacts(value: sample.value ?? 0, baseline: sample.baseline ?? 0)
                reading.facts = facts.sorted { $0.key < $1.key }.map { (["trigger", $0.key], $0.value) }
            }
        }
        return reading
    }

    /// `--no-probe`: every platform the trigger lists counts as down; nil for other kinds.
    public static func assumingDown(_ trigger: Trigger) -> TriggerReading? {
        guard case .platformDown(let down) = trigger.kind else { return nil }
        var reading = TriggerReading(trigger: trigger.id.value, assumed: true)
        reading.platforms = down.platforms.map { TriggerReading.Platform(id: $0.value, down: true, detail: "assumed down", seconds: 0) }
        reading.facts = [(["trigger", "platforms"], .list(down.platforms.map { Value.text($0.value) }))]
        return reading
    }
}
