import Foundation

/// What `/metrics` shows: probes, probe cycles and their lateness, trigger states, incidents,
/// sources, webhook requests (deliveries come from the journal at scrape time).
///
/// Updated from many tasks at once, so guarded by a lock rather than an actor: recording a
/// probe must never wait behind a scrape.
public final class WatchMetrics: @unchecked Sendable {
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
        var ok = 0
        var failed = 0
    }

    private let lock = NSLock()
    private var checks: [String: CheckStat] = [:]
    private var cycles: [TriggerKey: Int] = [:]
    private var skipped: [TriggerKey: Int] = [:]
    private var lastCycle: [TriggerKey: Date] = [:]
    private var conditions: [TriggerKey: Bool] = [:]
    private var fired: [TriggerKey: Bool] = [:]
    private var fires: [TriggerKey: Int] = [:]
    private var platforms: [TriggerKey: [String: Bool]] = [:]
    private var sourceValues: [TriggerKey: (value: Double, baseline: Double?)] = [:]
    private var sourceErrors: [TriggerKey: Int] = [:]
    private var incidentActive: [String: Bool] = [:]
    private var opened: [String: Int] = [:]
    private var resolved: [String: Int] = [:]
    private var webhooks: [Int: Int] = [:]

    /// Upper bounds (seconds) of the lateness histogram.
    static let latenessBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    private var latenessCounts = [Int](repeating: 0, count: latenessBuckets.count)
    private var latenessSum = 0.0
    private var latenessCount = 0
    private var samples: [Double]?

    /// `keepSamples`: also keep every lateness, for benchmarks (memory grows with cycles).
    public init(keepSamples: Bool = false) {
        samples = keepSamples ? [] : nil
    }

    // MARK: - Recording

    func check(key: String, kind: String, target: String, result: ProbeResult, seconds: Double) {
        lock.withLock {
            var stat = checks[key] ?? CheckStat(kind: kind, target: target)
            stat.up = result.ok
            stat.seconds = seconds
            if result.ok { stat.ok += 1 } else { stat.failed += 1 }
            checks[key] = stat
        }
    }

    func cycle(playbook: String, trigger: String, lateness: Double, at time: Date) {
        lock.withLock {
            let key = TriggerKey(playbook: playbook, trigger: trigger)
            cycles[key, default: 0] += 1
            lastCycle[key] = time
            let late = max(0, lateness)
            latenessSum += late
            latenessCount += 1
            if let bucket = Self.latenessBuckets.firstIndex(where: { late <= $0 }) { latenessCounts[bucket] += 1 }
            samples?.append(late)
        }
    }

    func skippedCycles(playbook: String, trigger: String, count: Int) {
        lock.withLock { skipped[TriggerKey(playbook: playbook, trigger: trigger), default: 0] += count }
    }

    func condition(playbook: String, trigger: String, holds: Bool) {
        lock.withLock { conditions[TriggerKey(playbook: playbook, trigger: trigger)] = holds }
    }

    func fired(playbook: String, trigger: String, inIncident: Bool, newFire: Bool) {
        lock.withLock {
            let key = TriggerKey(playbook: playbook, trigger: trigger)
            fired[key] = inIncident
            if newFire { fires[key, default: 0] += 1 }
        }
    }

    func platforms(playbook: String, trigger: String, _ states: [String: Bool]) {
        lock.withLock { platforms[TriggerKey(playbook: playbook, trigger: trigger)] = states }
    }

    func source(playbook: String, source: String, value: Double, baseline: Double?) {
        lock.withLock { sourceValues[TriggerKey(playbook: playbook, trigger: source)] = (value, baseline) }
    }

    func sourceError(playbook: String, source: String) {
        lock.withLock { sourceErrors[TriggerKey(playbook: playbook, trigger: source), default: 0] += 1 }
    }

    func incident(playbook: String, active: Bool, opened newlyOpened: Bool = false, resolved newlyResolved: Bool = false) {
        lock.withLock {
            incidentActive[playbook] = active
            if newlyOpened { opened[playbook, default: 0] += 1 }
            if newlyResolved { resolved[playbook, default: 0] += 1 }
        }
    }

    func webhook(status: Int) {
        lock.withLock { webhooks[status, default: 0] += 1 }
    }

    // MARK: - Reading

    /// Every cycle's lateness so far (with `keepSamples`).
    public var latenessSamples: [Double] { lock.withLock { samples ?? [] } }

    public var cycleCount: Int { lock.withLock { cycles.values.reduce(0, +) } }

    /// When each probing trigger last completed a cycle.
    func lastCycles() -> [TriggerKey: Date] { lock.withLock { lastCycle } }

    /// The Prometheus text exposition format (version 0.0.4).
    public func render(deliveries: [(playbook: String, status: DeliveryStatus, count: Int)]) -> String {
        lock.withLock {
            var out = MetricsText()
            out.family("playbook_check_up", "gauge", "Whether the last probe of a check passed (1) or failed (0).")
            for (_, stat) in checks.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_check_up", [("kind", stat.kind), ("target", stat.target)], stat.up ? 1 : 0)
            }
            out.family("playbook_check_duration_seconds", "gauge", "How long the last probe of a check took.")
            for (_, stat) in checks.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_check_duration_seconds", [("kind", stat.kind), ("target", stat.target)], stat.seconds)
            }
            out.family("playbook_checks_total", "counter", "Probes made, by check and result.")
            for (_, stat) in checks.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_checks_total", [("kind", stat.kind), ("target", stat.target), ("result", "ok")], Double(stat.ok))
                out.sample("playbook_checks_total", [("kind", stat.kind), ("target", stat.target), ("result", "failed")], Double(stat.failed))
            }
            out.family("playbook_probe_cycles_total", "counter", "Probe cycles run per trigger.")
            for (key, count) in cycles.sorted(by: { $0.key < $1.key }) { out.sample("playbook_probe_cycles_total", key.labels, Double(count)) }
            out.family("playbook_probe_cycles_skipped_total", "counter", "Cycles skipped because the previous one of the trigger was still running.")
            for (key, count) in skipped.sorted(by: { $0.key < $1.key }) { out.sample("playbook_probe_cycles_skipped_total", key.labels, Double(count)) }
            out.family("playbook_probe_cycle_lateness_seconds", "histogram", "How late probe cycles started after their scheduled time.")
            var cumulative = 0
            for (index, bound) in Self.latenessBuckets.enumerated() {
                cumulative += latenessCounts[index]
                out.sample("playbook_probe_cycle_lateness_seconds_bucket", [("le", MetricsText.number(bound))], Double(cumulative))
            }
            out.sample("playbook_probe_cycle_lateness_seconds_bucket", [("le", "+Inf")], Double(latenessCount))
            out.sample("playbook_probe_cycle_lateness_seconds_sum", [], latenessSum)
            out.sample("playbook_probe_cycle_lateness_seconds_count", [], Double(latenessCount))
            out.family("playbook_platform_down", "gauge", "Whether a platform of a platform_down trigger is down by its checks and down_when.")
            for (key, states) in platforms.sorted(by: { $0.key < $1.key }) {
                for (platform, down) in states.sorted(by: { $0.key < $1.key }) {
                    out.sample("playbook_platform_down", key.labels + [("platform", platform)], down ? 1 : 0)
                }
            }
            out.family("playbook_trigger_condition", "gauge", "Whether a trigger's condition holds now.")
            for (key, holds) in conditions.sorted(by: { $0.key < $1.key }) { out.sample("playbook_trigger_condition", key.labels, holds ? 1 : 0) }
            out.family("playbook_trigger_fired", "gauge", "Whether a trigger has fired in the open incident (the incident waits for it to clear).")
            for (key, value) in fired.sorted(by: { $0.key < $1.key }) { out.sample("playbook_trigger_fired", key.labels, value ? 1 : 0) }
            out.family("playbook_trigger_fires_total", "counter", "Times a trigger fired.")
            for (key, count) in fires.sorted(by: { $0.key < $1.key }) { out.sample("playbook_trigger_fires_total", key.labels, Double(count)) }
            out.family("playbook_source_value", "gauge", "The last value read from a traffic source.")
            for (key, value) in sourceValues.sorted(by: { $0.key < $1.key }) { out.sample("playbook_source_value", key.sourceLabels, value.value) }
            out.family("playbook_source_baseline", "gauge", "The baseline the last value was compared with.")
            for (key, value) in sourceValues.sorted(by: { $0.key < $1.key }) {
                if let baseline = value.baseline { out.sample("playbook_source_baseline", key.sourceLabels, baseline) }
            }
            out.family("playbook_source_errors_total", "counter", "Reads of a source that failed.")
            for (key, count) in sourceErrors.sorted(by: { $0.key < $1.key }) { out.sample("playbook_source_errors_total", key.sourceLabels, Double(count)) }
            out.family("playbook_incident_active", "gauge", "Whether the playbook has an open incident.")
            for (playbook, active) in incidentActive.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_incident_active", [("playbook", playbook)], active ? 1 : 0)
            }
            out.family("playbook_incidents_opened_total", "counter", "Incidents opened by this watcher.")
            for (playbook, count) in opened.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_incidents_opened_total", [("playbook", playbook)], Double(count))
            }
            out.family("playbook_incidents_resolved_total", "counter", "Incidents resolved by this watcher.")
            for (playbook, count) in resolved.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_incidents_resolved_total", [("playbook", playbook)], Double(count))
            }
            out.family("playbook_deliveries", "gauge", "Deliveries in the journal, by playbook and status (all incidents).")
            for row in deliveries { out.sample("playbook_deliveries", [("playbook", row.playbook), ("status", row.status.rawValue)], Double(row.count)) }
            out.family("playbook_webhook_requests_total", "counter", "Requests to webhook trigger paths, by response status.")
            for (status, count) in webhooks.sorted(by: { $0.key < $1.key }) {
                out.sample("playbook_webhook_requests_total", [("code", String(status))], Double(count))
            }
            return out.text
        }
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
