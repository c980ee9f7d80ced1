import Foundation
import Prometheus
import Synchronization

/// What `/metrics` shows: probes, probe cycles and their lateness, trigger states, incidents,
/// sources, webhook requests, deliveries.
///
/// Counters and the lateness histogram live in a `PrometheusCollectorRegistry` of this watcher's
/// own (not a process-wide bootstrap: each watcher, and each test, has its own): incrementing one
/// is an atomic add, and a scrape reads them without stopping anyone. The gauges keep their
/// hand-written exposition, with whole numbers written as `1` (see docs/decisions.md). Delivery
/// totals come from the journal's in-memory tally (`DeliveryTally`), so a scrape costs the same
/// with a million deliveries as with none.
///
/// Updated from many tasks at once, so behind a `Mutex` rather than in an actor: recording a
/// probe must never wait behind a scrape, nor be `async`.
public final class WatchMetrics: Sendable {
    struct TriggerKey: Hashable, Comparable {
        var playbook: String
        var trigger: String
        static func < (a: TriggerKey, b: TriggerKey) -> Bool { (a.playbook, a.trigger) < (b.playbook, b.trigger) }
    }

    struct CheckStat {
        var kind: String
        var target: String
        var up = false
        var seconds = 0.0
    }

    /// The counters and the histogram.
    let registry = PrometheusCollectorRegistry()
    private let lateness: ValueHistogram

    /// The gauges' values, kept for the next scrape.
    private struct State {
        var checks: [String: CheckStat] = [:]
        var cycles: [TriggerKey: Int] = [:]
        var lastCycle: [TriggerKey: Date] = [:]
        var conditions: [TriggerKey: Bool] = [:]
        var fired: [TriggerKey: Bool] = [:]
        var platforms: [TriggerKey: [String: Bool]] = [:]
        var sourceValues: [TriggerKey: (value: Double, baseline: Double?)] = [:]
        var incidentActive: [String: Bool] = [:]
        var samples: [Double]?
    }

    private let state: Mutex<State>

    /// Upper bounds (seconds) of the lateness histogram.
    static let latenessBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// `keepSamples`: also keep every lateness, for benchmarks (memory grows with cycles).
    public init(keepSamples: Bool = false) {
        state = Mutex(State(samples: keepSamples ? [] : nil))
        lateness = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "playbook", metricName: "probe_cycle_lateness", unitName: "seconds",
                helpText: "How late probe cycles started after their scheduled time."),
            buckets: Self.latenessBuckets)
    }

    /// The counters, each `playbook_NAME_total`.
    enum Counted: String {
        case checks
        case probeCycles = "probe_cycles"
        case probeCyclesSkipped = "probe_cycles_skipped"
        case triggerFires = "trigger_fires"
        case sourceErrors = "source_errors"
        case incidentsOpened = "incidents_opened"
        case incidentsResolved = "incidents_resolved"
        case webhookRequests = "webhook_requests"

        var help: String {
            switch self {
            case .checks: "Probes made, by check and result."
            case .probeCycles: "Probe cycles run per trigger."
            case .probeCyclesSkipped: "Cycles skipped because the previous one of the trigger was still running."
            case .triggerFires: "Times a trigger fired."
            case .sourceErrors: "Reads of a source that failed."
            case .incidentsOpened: "Incidents opened by this watcher."
            case .incidentsResolved: "Incidents resolved by this watcher."
            case .webhookRequests: "Requests to webhook trigger paths, by response status."
            }
        }
    }

    /// The counter with `labels` (made on first use; the same one afterwards).
    private func counter(_ counted: Counted, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "playbook", metricName: counted.rawValue, unitName: "total", helpText: counted.help), labels: labels)
    }

    // MARK: - Recording

    func check(key: String, kind: String, target: String, result: ProbeResult, seconds: Double) {
        state.withLock { state in
            var stat = state.checks[key] ?? CheckStat(kind: kind, target: target)
            stat.up = result.ok
            stat.seconds = seconds
            state.checks[key] = stat
        }
        // Both results' counters exist from the first probe: a check that never failed shows `failed` 0.
        let ok = counter(.checks, [("kind", kind), ("target", target), ("result", "ok")])
        let failed = counter(.checks, [("kind", kind), ("target", target), ("result", "failed")])
        (result.ok ? ok : failed).increment()
    }

    func cycle(playbook: String, trigger: String, lateness: Double, at time: Date) {
        let key = TriggerKey(playbook: playbook, trigger: trigger)
        let late = max(0, lateness)
        state.withLock { state in
            state.cycles[key, default: 0] += 1
            state.lastCycle[key] = time
            state.samples?.append(late)
        }
        counter(.probeCycles, key.labels).increment()
        self.lateness.record(late)
    }

    func skippedCycles(playbook: String, trigger: String, count: Int) {
        counter(.probeCyclesSkipped, TriggerKey(playbook: playbook, trigger: trigger).labels).increment(by: Int64(count))
    }

    func condition(playbook: String, trigger: String, holds: Bool) {
        state.withLock { state in state.conditions[TriggerKey(playbook: playbook, trigger: trigger)] = holds }
    }

    func fired(playbook: String, trigger: String, inIncident: Bool, newFire: Bool) {
        let key = TriggerKey(playbook: playbook, trigger: trigger)
        state.withLock { state in state.fired[key] = inIncident }
        if newFire { counter(.triggerFires, key.labels).increment() }
    }

    func platforms(playbook: String, trigger: String, _ states: [String: Bool]) {
        state.withLock { state in state.platforms[TriggerKey(playbook: playbook, trigger: trigger)] = states }
    }

    func source(playbook: String, source: String, value: Double, baseline: Double?) {
        state.withLock { state in state.sourceValues[TriggerKey(playbook: playbook, trigger: source)] = (value, baseline) }
    }

    func sourceError(playbook: String, source: String) {
        counter(.sourceErrors, TriggerKey(playbook: playbook, trigger: source).sourceLabels).increment()
    }

    func incident(playbook: String, active: Bool, opened newlyOpened: Bool = false, resolved newlyResolved: Bool = false) {
        state.withLock { state in state.incidentActive[playbook] = active }
        if newlyOpened { counter(.incidentsOpened, [("playbook", playbook)]).increment() }
        if newlyResolved { counter(.incidentsResolved, [("playbook", playbook)]).increment() }
    }

    func webhook(status: Int) {
        counter(.webhookRequests, [("code", String(status))]).increment()
    }

    // MARK: - Reading

    /// Every cycle's lateness so far (with `keepSamples`).
    public var latenessSamples: [Double] { state.withLock { state in state.samples ?? [] } }

    public var cycleCount: Int { state.withLock { state in state.cycles.values.reduce(0, +) } }

    /// When each probing trigger last completed a cycle.
    func lastCycles() -> [TriggerKey: Date] { state.withLock { state in state.lastCycle } }

    /// The Prometheus text exposition format (version 0.0.4): the gauges, then the registry's
    /// counters and histogram.
    public func render(deliveries: [(playbook: String, status: DeliveryStatus, count: Int)]) -> String {
        let gauges = state.withLock { state in
            var out = MetricsText()
            out.family("playbook_check_up", "gauge", "Whether the last probe of a check passed (1) or failed (0).")
            for (_, stat) in state.checks.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_check_up", [("kind", stat.kind), ("target", stat.target)], stat.up ? 1 : 0)
            }
            out.family("playbook_check_duration_seconds", "gauge", "How long the last probe of a check took.")
            for (_, stat) in state.checks.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_check_duration_seconds", [("kind", stat.kind), ("target", stat.target)], stat.seconds)
            }
            out.family("playbook_platform_down", "gauge", "Whether a platform of a platform_down trigger is down by its checks and down_when.")
            for (key, states) in state.platforms.sorted(by: { $0.key < $1.key }) {
                for (platform, down) in states.sorted(by: { $0.key < $1.key }) {
                    out.sample("playbook_platform_down", key.labels + [("platform", platform)], down ? 1 : 0)
                }
            }
            out.family("playbook_trigger_condition", "gauge", "Whether a trigger's condition holds now.")
            for (key, holds) in state.conditions.sorted(by: { $0.key < $1.key }) { out.sample("playbook_trigger_condition", key.labels, holds ? 1 : 0) }
            out.family("playbook_trigger_fired", "gauge", "Whether a trigger has fired in the open incident (the incident waits for it to clear).")
            for (key, value) in state.fired.sorted(by: { $0.key < $1.key }) { out.sample("playbook_trigger_fired", key.labels, value ? 1 : 0) }
            out.family("playbook_source_value", "gauge", "The last value read from a traffic source.")
            for (key, value) in state.sourceValues.sorted(by: { $0.key < $1.key }) { out.sample("playbook_source_value", key.sourceLabels, value.value) }
            out.family("playbook_source_baseline", "gauge", "The baseline the last value was compared with.")
            for (key, value) in state.sourceValues.sorted(by: { $0.key < $1.key }) {
                if let baseline = value.baseline { out.sample("playbook_source_baseline", key.sourceLabels, baseline) }
            }
            out.family("playbook_incident_active", "gauge", "Whether the playbook has an open incident.")
            for (playbook, active) in state.incidentActive.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_incident_active", [("playbook", playbook)], active ? 1 : 0)
            }
            return out.text
        }
        var out = MetricsText()
        out.family("playbook_deliveries", "gauge", "Deliveries in the journal, by playbook and status (all incidents).")
        for row in deliveries { out.sample("playbook_deliveries", [("playbook", row.playbook), ("status", row.status.rawValue)], Double(row.count)) }
        return gauges + out.text + registry.emitToString()
    }
}

extension WatchMetrics.TriggerKey {
    var labels: [(String, String)] { [("playbook", playbook), ("trigger", trigger)] }
    var sourceLabels: [(String, String)] { [("playbook", playbook), ("source", trigger)] }
}

/// Builds the Prometheus text format: `# HELP`, `# TYPE`, then `name{label="value"} number`.
struct MetricsText {
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty { text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}" }
        text += " " + Self.number(value) + "\n"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
