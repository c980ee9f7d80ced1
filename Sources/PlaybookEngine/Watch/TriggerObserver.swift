import Foundation
import PlaybookCore

/// One observation of a trigger's condition, with the facts it exposes then.
struct ConditionSample: Sendable {
    var holds: Bool
    var facts: [String: Value]
    /// platform_down: each platform and whether it is down, with why, and how long its slowest
    /// check took to answer.
    var platforms: [(id: String, down: Bool, detail: String, seconds: Double)] = []
    /// traffic_drop: the value and baseline read.
    var value: Double?
    var baseline: Double?
    /// What was seen, in a line.
    var detail: String
}

/// Makes one observation of a trigger: probes a `platform_down` trigger's checks and applies
/// `down_when`, or reads a `traffic_drop` trigger's source and its baseline.
struct TriggerObserver: Sendable {
    let checks: CheckCoalescer
    let sources: SourceCoalescer
    let clock: any EngineClock

    /// How long a source read may take.
    static let sourceTimeout = 10.0

    func observe(_ trigger: Trigger, of playbook: Playbook) async -> Result<ConditionSample, SourceFailure> {
        switch trigger.kind {
        case .platformDown(let down): return .success(await platforms(down))
        case .trafficDrop(let drop): return await traffic(drop, playbook: playbook)
        case .manual, .webhook: return .failure(SourceFailure("\(trigger.kindName) triggers are not probed"))
        }
    }

    /// The checks of each platform of a trigger: its own `checks`, else the catalog's.
    static func checks(of down: PlatformDownTrigger) -> [(platform: String, checks: [ProbeCheck])] {
        down.platforms.map { ($0.value, down.checks ?? PlatformCatalog.platform($0.value)?.checks ?? []) }
    }

    private func platforms(_ down: PlatformDownTrigger) async -> ConditionSample {
        let plan = Self.checks(of: down)
        var unique: [String: ProbeCheck] = [:]
        for (_, checks) in plan { for check in checks { unique[CheckCoalescer.key(check, timeout: down.timeout)] = check } }
        let coalescer = checks
        let clock = self.clock
        let results = await withTaskGroup(of: (String, ProbeResult, Double).self) { group in
            for (key, check) in unique {
                group.addTask {
                    let started = clock.now()
                    let result = await coalescer.result(of: check, timeout: down.timeout, maxAge: down.every / 2)
                    return (key, result, clock.now().timeIntervalSince(started))
                }
            }
            var results: [String: (result: ProbeResult, seconds: Double)] = [:]
            for await (key, result, seconds) in group { results[key] = (result, seconds) }
            return results
        }
        var sample = ConditionSample(holds: false, facts: [:], detail: "")
        var downNow: [String] = []
        for (platform, checks) in plan {
            let timed = checks.map { results[CheckCoalescer.key($0, timeout: down.timeout)] ?? (ProbeResult.down("not probed"), 0) }
            let outcomes = zip(checks, timed.map(\.result)).map { ($0, $1) }
            let failed = outcomes.filter { !$0.1.ok }
            let isDown = TriggerConditions.platformIsDown(failed: failed.count, of: outcomes.count, when: down.downWhen)
            let detail =
                failed.isEmpty
                ? "\(outcomes.count)/\(outcomes.count) checks pass"
                : "\(failed.count)/\(outcomes.count) checks fail (\(failed.map { "\($0.0.summary): \($0.1.detail)" }.joined(separator: "; ")))"
            sample.platforms.append((platform, isDown, detail, timed.map(\.seconds).max() ?? 0))
            if isDown { downNow.append(platform) }
        }
        sample.holds = !downNow.isEmpty
        sample.facts = TriggerConditions.platformFacts(down: downNow)
        sample.detail = downNow.isEmpty ? "all platforms up" : "\(PlatformCatalog.names(downNow)) down"
        return sample
    }

    private func traffic(_ drop: TrafficDropTrigger, playbook: Playbook) async -> Result<ConditionSample, SourceFailure> {
        guard let source = playbook.source(drop.source.value) else { return .failure(SourceFailure("unknown source '\(drop.source.value)'")) }
        let reading: SourceCoalescer.Reading
        do {
            reading = try await sources.read(source, of: playbook, baseline: drop.baseline, every: drop.every)
        } catch {
            return .failure(error)
        }
        var sample = ConditionSample(holds: false, facts: [:], value: reading.value, baseline: reading.baseline, detail: "")
        if let baseline = reading.baseline {
            sample.holds = TriggerConditions.trafficDropHolds(value: reading.value, baseline: baseline, drop: drop.drop)
            sample.facts = TriggerConditions.trafficFacts(value: reading.value, baseline: baseline)
            let percent = TriggerConditions.dropPercent(value: reading.value, baseline: baseline)
            sample.detail =
                "\(source.id.value) = \(Value.number(reading.value).displayText), baseline \(Value.number(baseline).displayText) (\(percent >= 0 ? "-" : "+")\(abs(percent))%)"
        } else {
            sample.facts = TriggerConditions.trafficFacts(value: reading.value, baseline: 0)
            sample.detail = "\(source.id.value) = \(Value.number(reading.value).displayText), no baseline yet (\(reading.baselineNote ?? "none"))"
        }
        return .success(sample)
    }
}

/// Reads sources for `traffic_drop` triggers: one read per source and interval however many
/// triggers use it, and the baseline "that long ago" from the source's own history (Prometheus,
/// a csv file) or else from the samples this watcher journaled.
actor SourceCoalescer {
    struct Reading: Sendable {
        var value: Double
        var baseline: Double?
        var baselineNote: String?
    }

    private let reader: any SourceReader
    private let journal: any Journal
    private let clock: any EngineClock
    private let metrics: WatchMetrics
    private var recent: [String: (at: Date, value: Double)] = [:]
    private var inFlight: [String: Task<Result<Double, SourceFailure>, Never>] = [:]
    private var keepsHistory: [String: Bool] = [:]
    private var lastPrune: [String: Date] = [:]
    private var lastJournaled: [String: Date] = [:]

    init(reader: any SourceReader, journal: any Journal, clock: any EngineClock, metrics: WatchMetrics) {
        self.reader = reader
        self.journal = journal
        self.clock = clock
        self.metrics = metrics
    }

    /// The series a source's samples are journaled under.
    static func series(playbook: String, source: String) -> String { "\(playbook)/\(source)" }

    func read(_ source: DataSource, of declaring: Playbook, baseline: TrafficDropTrigger.Baseline, every: Double) async throws(SourceFailure) -> Reading {
        let playbook = declaring.name.value
        let series = Self.series(playbook: playbook, source: source.id.value)
        let value: Double
        let readAt: Date
        switch await current(source, of: declaring, series: series, maxAge: every / 2) {
        case .success(let read):
            value = read.value
            readAt = read.at
        case .failure(let failure):
            throw failure
        }
        switch baseline {
        case .fixed(let fixed):
            metrics.source(playbook: playbook, source: source.id.value, value: value, baseline: fixed)
            return Reading(value: value, baseline: fixed)
        case .ago(let seconds):
            let then = clock.now().addingTimeInterval(-seconds)
            var past: Double?
            var note: String?
            if keepsHistory[series] != false {
                do {
                    past = try await reader.past(source, of: declaring, at: then, timeout: TriggerObserver.sourceTimeout)
                    if past == nil { keepsHistory[series] = false } else { keepsHistory[series] = true }
                } catch {
                    keepsHistory[series] = true
                    note = "the source has no value for \(WatchEvent.iso(then)): \(error.message)"
                }
            }
            if keepsHistory[series] == false {
                // The source keeps no history: the watcher keeps its own, of each reading once.
                if lastJournaled[series] != readAt {
                    lastJournaled[series] = readAt
                    try? await journal.addSamples([(series, readAt, value)])
                }
                // Close enough to "the same time": within a few intervals (and at least 5 minutes).
                let tolerance = max(3 * every, 300)
                past = try? await journal.sample(series: series, atOrBefore: then, notBefore: then.addingTimeInterval(-tolerance))?.value
                if past == nil { note = "no sample journaled near \(WatchEvent.iso(then)); the watcher keeps its own history from its first run" }
                await prune(series, keeping: seconds + 86_400)
            }
            metrics.source(playbook: playbook, source: source.id.value, value: value, baseline: past)
            return Reading(value: value, baseline: past, baselineNote: note)
        }
    }

    /// The source's value and when it was read (a reading younger than `maxAge` is shared).
    struct Read: Sendable {
        var value: Double
        var at: Date
    }

    private func current(_ source: DataSource, of playbook: Playbook, series: String, maxAge: Double) async -> Result<Read, SourceFailure> {
        if let cached = recent[series], clock.now().timeIntervalSince(cached.at) <= maxAge { return .success(Read(value: cached.value, at: cached.at)) }
        if let running = inFlight[series] {
            let result = await running.value
            let at = recent[series]?.at ?? clock.now()
            return result.map { Read(value: $0, at: at) }
        }
        let reader = self.reader
        let clock = self.clock
        let timeout = TriggerObserver.sourceTimeout
        let task = Task<Result<Double, SourceFailure>, Never> {
            await withDeadline(timeout + 1, clock: clock, fallback: .failure(SourceFailure("no answer in \(Duration.format(seconds: timeout))"))) {
                do throws(SourceFailure) {
                    return .success(try await reader.current(source, of: playbook, at: clock.now(), timeout: timeout))
                } catch {
                    return .failure(error)
                }
            }
        }
        inFlight[series] = task
        let result = await task.value
        inFlight[series] = nil
        let now = clock.now()
        if case .success(let value) = result { recent[series] = (now, value) }
        return result.map { Read(value: $0, at: now) }
    }

    /// Forgets journaled samples too old to be anyone's baseline, at most once an hour.
    private func prune(_ series: String, keeping seconds: Double) async {
        let now = clock.now()
        if let last = lastPrune[series], now.timeIntervalSince(last) < 3_600 { return }
        lastPrune[series] = now
        try? await journal.pruneSamples(series: series, before: now.addingTimeInterval(-seconds))
    }
}
