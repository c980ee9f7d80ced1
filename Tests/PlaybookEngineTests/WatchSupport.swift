import Foundation
import PlaybookCore
import PlaybookTestSupport
import Synchronization
import Testing

@testable import PlaybookEngine

/// A clock that moves only when the test moves it: sleepers wake when `advance(to:)` passes
/// their deadline. What the watcher decides cannot depend on how busy the machine is.
final class ManualClock: EngineClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [UUID: (deadline: Date, continuation: CheckedContinuation<Void, any Error>)] = [:]

    init(_ origin: Date) {
        current = origin
    }

    func now() -> Date { lock.withLock { current } }

    func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready: Bool = lock.withLock {
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers[id] = (deadline, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let sleeper = lock.withLock { sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    func advance(to date: Date) {
        let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
            current = max(current, date)
            let ready = sleepers.filter { $0.value.deadline <= current }
            for key in ready.keys { sleepers.removeValue(forKey: key) }
            return ready.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    func advance(by seconds: Double) { advance(to: now().addingTimeInterval(seconds)) }

    /// Whether something sleeps until exactly `deadline`.
    func hasSleeper(until deadline: Date) -> Bool { lock.withLock { sleepers.values.contains { $0.deadline == deadline } } }

    /// Waits (in real time, at most 60 s) until something sleeps until `deadline`: the loop that
    /// will wake then has finished what it was doing, so the test may move time on.
    func parked(until deadline: Date, sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
        if await eventually(within: 60, { self.hasSleeper(until: deadline) }) { return }
        let asleep = lock.withLock { sleepers.values.map { $0.deadline.timeIntervalSince(current) }.sorted() }
        Issue.record("nothing went to sleep until \(deadline) (now \(now()); asleep for \(asleep) s more)", sourceLocation: sourceLocation)
    }
}

/// Checks whose results the test sets: each check's target is up unless marked down, or hangs
/// (never answering, ignoring cancellation, as a stuck library call would).
final class ScriptedProber: Prober, @unchecked Sendable {
    private let lock = NSLock()
    private var down: Set<String> = []
    private var hanging: Set<String> = []
    private var counts: [String: Int] = [:]
    private var stuck: [CheckedContinuation<Void, Never>] = []

    func setDown(_ targets: [String], _ isDown: Bool = true) {
        lock.withLock { for target in targets { if isDown { down.insert(target) } else { down.remove(target) } } }
    }

    func setHanging(_ target: String) { lock.withLock { _ = hanging.insert(target) } }

    func probes(of target: String) -> Int { lock.withLock { counts[target] ?? 0 } }

    /// Ends the hung probes (at the end of a test).
    func release() {
        let waiting = lock.withLock {
            hanging.removeAll()
            defer { stuck.removeAll() }
            return stuck
        }
        for continuation in waiting { continuation.resume() }
    }

    func probe(_ check: ProbeCheck, timeout: Double) async -> ProbeResult {
        let target: String
        switch check {
        case .http(let url, _): target = url
        case .dns(let name, _): target = name
        case .statuspage(let url, _): target = url
        }
        let (isDown, hangs) = lock.withLock {
            counts[target, default: 0] += 1
            return (down.contains(target), hanging.contains(target))
        }
        if hangs {
            await withCheckedContinuation { continuation in lock.withLock { stuck.append(continuation) } }
            return .down("released")
        }
        return isDown ? .down("scripted down") : .up("scripted up")
    }
}

/// Sources whose current values the test sets; no history of their own unless given one.
final class ScriptedSources: SourceReader, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Double] = [:]
    private var history: [String: [(Date, Double)]]?

    init(keepsHistory: Bool = false) {
        history = keepsHistory ? [:] : nil
    }

    func set(_ source: String, _ value: Double) { lock.withLock { values[source] = value } }
    func unset(_ source: String) { lock.withLock { _ = values.removeValue(forKey: source) } }
    func record(_ source: String, at time: Date, _ value: Double) { lock.withLock { history?[source, default: []].append((time, value)) } }

    func current(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double {
        guard let value = lock.withLock({ values[source.id.value] }) else { throw SourceFailure("no value scripted") }
        return value
    }

    func past(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double? {
        let (keeps, value) = lock.withLock { (history != nil, history?[source.id.value]?.last(where: { $0.0 <= time })?.1) }
        guard keeps else { return nil }
        guard let value else { throw SourceFailure("no history then") }
        return value
    }
}

/// A watcher over playbooks written into a fresh directory, with recording channels.
struct WatchFixture {
    let directory: URL
    let playbooks: [Playbook]
    let journal: SQLiteJournal
    let clock: any EngineClock
    let channels: RecordingChannels
    let reporter = RecordingWatchReporter()
    let prober = ScriptedProber()
    let sources: ScriptedSources
    let stop = StopSignal()
    let metrics = WatchMetrics(keepSamples: true)

    init(
        _ yamls: [String], clock: any EngineClock, directory: URL? = nil, sources: ScriptedSources = ScriptedSources(),
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let directory = directory ?? TestScratch.root.appendingPathComponent("watch-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var playbooks: [Playbook] = []
        for (index, yaml) in yamls.enumerated() {
            let path = directory.appendingPathComponent("playbook\(index).yaml").path
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try PlaybookLoader.load(path: path)
            #expect(result.isValid, "\(result.diagnostics.map { "\($0.location): \($0.message)" })", sourceLocation: sourceLocation)
            playbooks.append(try #require(result.playbook, sourceLocation: sourceLocation))
        }
        self.playbooks = playbooks
        journal = try SQLiteJournal(directory: directory.appendingPathComponent(".playbook").path)
        self.clock = clock
        channels = RecordingChannels(clock: clock)
        self.sources = sources
    }

    /// The same directory and journal, a new watcher (a restart).
    func restarted(clock: any EngineClock) throws -> WatchFixture {
        try WatchFixture(playbooks.map { try String(contentsOfFile: $0.file, encoding: .utf8) }, clock: clock, directory: directory, sources: sources)
    }

    func watcher(environment: [String: String] = [:], tweak: (inout [Playbook]) -> Void = { _ in }) throws -> Watcher {
        var playbooks = self.playbooks
        tweak(&playbooks)
        let channels = self.channels
        return try Watcher(
            Watcher.Configuration(
                playbooks: playbooks, journal: journal, prober: prober, sources: sources, channels: { _ in channels },
                clock: clock, reporter: reporter, stop: stop, environment: environment, metrics: metrics))
    }

    func texts() async -> [String] { await channels.sent.map(\.message.text) }
}

/// Whether `operation` ends within `seconds` of real time (it is left running when not, and
/// the test goes on instead of hanging).
func finishes(within seconds: Double, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        let first = FirstOutcome(continuation)
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            first.answer(false)
        }
        Task {
            await operation()
            timer.cancel()
            first.answer(true)
        }
    }
}

/// Resumes a continuation with the first answer given; later ones are dropped.
final class FirstOutcome: Sendable {
    private let waiting: Mutex<CheckedContinuation<Bool, Never>?>
    init(_ continuation: CheckedContinuation<Bool, Never>) { waiting = Mutex(continuation) }
    func answer(_ value: Bool) {
        let continuation = waiting.withLock { waiting in
            defer { waiting = nil }
            return waiting
        }
        continuation?.resume(returning: value)
    }
}
