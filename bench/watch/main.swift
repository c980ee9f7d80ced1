import AsyncHTTPClient
import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine

// Watch benchmark (issue 6). Generates 500 playbooks with 3 triggers each — a storefront watched
// by http + dns + statuspage checks, a checkout by http + dns, and a traffic_drop on a JSON
// source — all every 30 s against loopback fakes (an HTTP server and a DNS server in this
// process), and watches them for a while with the real watcher in a child process. Side by side
// in one run, the reference: the same probes on the same schedule by a plain loop (no state
// machines, journal or engine), also in a child process, so that each CPU and memory figure is
// its own. A tenth of the storefronts go down a third of the way through, so incidents open
// and their steps run while probing goes on.
// Target: probe cycles start on time, lateness p99 under 1 s at a 30 s interval.
//
//   swift run -c release bench-watch [--playbooks 500] [--seconds 150] [--interval 30]

struct Options {
    var playbooks = 500
    var seconds = 150.0
    var interval = 30

    init(_ arguments: [String]) {
        var index = 1
        while index + 1 < arguments.count {
            switch arguments[index] {
            case "--playbooks": playbooks = Int(arguments[index + 1]) ?? playbooks
            case "--seconds": seconds = Double(arguments[index + 1]) ?? seconds
            case "--interval": interval = Int(arguments[index + 1]) ?? interval
            default: break
            }
            index += 2
        }
    }
}

func memoryMB(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
    else { return 0 }
    return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

/// The playbooks, written into `directory`.
func generate(_ count: Int, into directory: URL, httpPort: Int, dnsServer: String, interval: Int) throws -> [String] {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let base = "http://127.0.0.1:\(httpPort)"
    return try (0..<count).map { index in
        let path = directory.appendingPathComponent("p\(index).yaml").path
        try """
            version: 1
            playbook: shop-\(index)
            sources:
              stats: { type: json, url: "\(base)/p\(index)/stats", field: visitors }
            triggers:
              - id: storefront-down
                platform_down:
                  platforms: [storefront]
                  checks:
                    - http: "\(base)/p\(index)/web"
                    - dns: "shop-\(index).example"
                      server: "\(dnsServer)"
                    - statuspage: "\(base)/p\(index)"
                  every: \(interval)s
                  timeout: 10s
                for: \(interval)s
                clear_for: 5m
              - id: checkout-down
                platform_down:
                  platforms: [checkout]
                  checks:
                    - http: "\(base)/p\(index)/checkout"
                    - dns: "checkout-\(index).example"
                      server: "\(dnsServer)"
                  every: \(interval)s
              - id: traffic-drop
                traffic_drop: { source: stats, drop: 50%, baseline: { fixed: 100 }, every: \(interval)s }
                for: \(interval)s
            channels:
              outbox: { type: file, path: outbox-\(index).jsonl }
            steps:
              - id: tell
                post: { to: [outbox], text: "{{ trigger.platform_names }} down" }
              - id: log
                log: { message: "incident {{ incident.id }}" }
            recovery:
              - id: back
                post: { to: [outbox], text: "back" }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Counts the watcher's events by name (the benchmark prints none).
final class CountingReporter: WatchReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func report(_ event: WatchEvent) { lock.withLock { counts[event.name, default: 0] += 1 } }
    func count(_ name: String) -> Int { lock.withLock { counts[name] ?? 0 } }
}

final class Samples: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Double] = []
    func add(_ value: Double) { lock.withLock { list.append(value) } }
    var values: [Double] { lock.withLock { list } }
}

/// One side of the comparison, in this (child) process: prints one JSON object of figures.
func child(mode: String, directory: URL, seconds: Double) async throws {
    let loadStart = Date()
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
    var playbooks: [Playbook] = []
    for file in files {
        let result = try PlaybookLoader.load(path: directory.appendingPathComponent(file).path)
        guard result.isValid, let playbook = result.playbook else {
            print("invalid generated playbook \(file): \(result.diagnostics.map(\.message))")
            exit(1)
        }
        playbooks.append(playbook)
    }
    let loadSeconds = Date().timeIntervalSince(loadStart)
    let client = LiveProber.makeClient()
    let channelClient = LiveChannels.makeClient()
    let prober = LiveProber(client: client, dns: DNSProbe())
    let sources = LiveSourceReader(client: client, environment: [:])
    let rssLoaded = memoryMB("VmRSS")
    let cpuStart = cpuSeconds()
    let wallStart = Date()
    var samples: [Double] = []
    var incidents = 0
    var recovered = 0
    var triggers = 0

    if mode == "watcher" {
        let journal = try SQLiteJournal(directory: directory.appendingPathComponent("state-\(UUID().uuidString)").path)
        let reporter = CountingReporter()
        let metrics = WatchMetrics(keepSamples: true)
        let stop = StopSignal()
        let watcher = try Watcher(Watcher.Configuration(
            playbooks: playbooks, journal: journal, prober: prober, sources: sources,
            channels: { LiveChannels(playbook: $0, environment: [:], client: channelClient) }, reporter: reporter, stop: stop, metrics: metrics))
        let running = Task { try await watcher.run() }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        stop.request()
        try await running.value
        samples = metrics.latenessSamples
        incidents = reporter.count("incident_opened")
        recovered = reporter.count("recovery_finished")
        triggers = playbooks.reduce(0) { count, playbook in
            count + playbook.triggers.filter { if case .platformDown = $0.kind { return true }; if case .trafficDrop = $0.kind { return true }; return false }.count
        }
    } else {
        // The reference: each trigger's probes on the same schedule, by a plain loop.
        struct Item: Sendable {
            var playbook: Playbook
            var every: Double
            var timeout: Double
            var checks: [ProbeCheck]
            var source: DataSource?
        }
        var items: [Item] = []
        for playbook in playbooks {
            for trigger in playbook.triggers {
                switch trigger.kind {
                case .platformDown(let down): items.append(Item(playbook: playbook, every: down.every, timeout: down.timeout, checks: down.checks ?? [], source: nil))
                case .trafficDrop(let drop): items.append(Item(playbook: playbook, every: drop.every, timeout: 10, checks: [], source: playbook.source(drop.source.value)))
                default: break
                }
            }
        }
        triggers = items.count
        let collected = Samples()
        let deadline = Date().addingTimeInterval(seconds)
        let count = items.count
        let start = wallStart
        await withTaskGroup(of: Void.self) { group in
            for (index, item) in items.enumerated() {
                group.addTask {
                    var next = start.addingTimeInterval(item.every * Double(index) / Double(count))
                    while next < deadline {
                        let wait = next.timeIntervalSinceNow
                        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                        collected.add(max(0, -next.timeIntervalSinceNow))
                        await withTaskGroup(of: Void.self) { probes in
                            for check in item.checks { probes.addTask { _ = await prober.probe(check, timeout: item.timeout) } }
                            if let source = item.source { probes.addTask { _ = try? await sources.current(source, of: item.playbook, at: Date(), timeout: 10) } }
                        }
                        next = next.addingTimeInterval(item.every)
                    }
                }
            }
        }
        samples = collected.values
    }
    let wall = Date().timeIntervalSince(wallStart)
    let cpu = cpuSeconds() - cpuStart
    try await client.shutdown()
    try await channelClient.shutdown()
    let sorted = samples.sorted()
    let figures: [String: Any] = [
        "triggers": triggers, "cycles": samples.count, "p50": percentile(sorted, 0.5), "p90": percentile(sorted, 0.9), "p99": percentile(sorted, 0.99),
        "max": sorted.last ?? .nan, "cpu": cpu, "wall": wall, "rss_loaded": rssLoaded, "rss_end": memoryMB("VmRSS"), "rss_peak": memoryMB("VmHWM"),
        "incidents": incidents, "recovered": recovered, "load": loadSeconds,
    ]
    let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let arguments = CommandLine.arguments
if arguments.count == 5, arguments[1] == "child", let seconds = Double(arguments[4]) {
    try await child(mode: arguments[2], directory: URL(fileURLWithPath: arguments[3]), seconds: seconds)
    exit(0)
}

let options = Options(arguments)
#if DEBUG
let configuration = "debug (use -c release for figures)"
#else
let configuration = "release"
#endif
let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
print("bench-watch: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(load), \(configuration)")
print("\(options.playbooks) playbooks x 3 triggers (6 probes each: 4 http, 2 dns), every \(options.interval) s, \(Int(options.seconds)) s per side")

let fakes = Fakes()
try fakes.start()
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-watch-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: directory) }
_ = try generate(options.playbooks, into: directory, httpPort: fakes.httpPort, dnsServer: "127.0.0.1:\(fakes.dnsPort)", interval: options.interval)

func run(_ mode: String) throws -> [String: Double] {
    fakes.down.withLockedValue { $0 = [] }
    let before = (fakes.requests.withLockedValue { $0 }, fakes.queries.withLockedValue { $0 })
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["child", mode, directory.path, String(options.seconds)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    // A tenth of the storefronts go down a third of the way through.
    Thread.sleep(forTimeInterval: options.seconds / 3)
    fakes.down.withLockedValue { $0 = Set(stride(from: 0, to: options.playbooks, by: 10)) }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        print("\(mode) failed: \(String(decoding: data, as: UTF8.self))")
        exit(1)
    }
    var figures = object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    for key in ["p50", "p90", "p99", "max"] { figures[key] = (figures[key] ?? .nan) * 1000 }
    figures["cpu_pct"] = (figures["cpu"] ?? 0) / (figures["wall"] ?? 1) * 100
    figures["requests"] = Double(fakes.requests.withLockedValue { $0 } - before.0)
    figures["queries"] = Double(fakes.queries.withLockedValue { $0 } - before.1)
    return figures
}

let reference = try run("reference")
let watcher = try run("watcher")
fakes.stop()

func row(_ label: String, _ key: String, _ format: String, ratio: Bool = true) {
    let a = reference[key] ?? .nan, b = watcher[key] ?? .nan
    let r = ratio && a > 0 ? String(format: "%7.2fx", b / a) : "        "
    print(label.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: format, a) + "  " + String(format: format, b) + "  " + r)
}
print("")
print("".padding(toLength: 34, withPad: " ", startingAt: 0) + "   reference      watcher    ratio")
row("probing triggers", "triggers", "%12.0f", ratio: false)
row("probe cycles", "cycles", "%12.0f")
row("http requests / dns queries", "requests", "%12.0f")
row("", "queries", "%12.0f")
row("lateness p50 (ms)", "p50", "%12.1f", ratio: false)
row("lateness p90 (ms)", "p90", "%12.1f", ratio: false)
row("lateness p99 (ms)", "p99", "%12.1f", ratio: false)
row("lateness max (ms)", "max", "%12.1f", ratio: false)
row("CPU (s)", "cpu", "%12.2f")
row("CPU (% of one core)", "cpu_pct", "%12.1f")
row("RSS after loading (MB)", "rss_loaded", "%12.1f")
row("RSS at the end (MB)", "rss_end", "%12.1f")
row("peak RSS (MB)", "rss_peak", "%12.1f")
print(String(format: "loading and checking %d playbooks: %.2f s", options.playbooks, watcher["load"] ?? .nan))
print(String(format: "watcher: %.0f incidents opened, %.0f recovered (storefronts down: %d)", watcher["incidents"] ?? 0, watcher["recovered"] ?? 0, (options.playbooks + 9) / 10))
let p99 = watcher["p99"] ?? .infinity
print(String(format: "lateness p99 %.1f ms at a %d s interval: %@ (target < 1000 ms)", p99, options.interval, p99 < 1000 ? "PASS" : "FAIL"))
