import AsyncHTTPClient
import BenchSink
import Foundation
import NIOCore
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import PlaybookPostgres
import PostgresNIO

// Scale-out benchmark (issue 7). The 100,000-contact webhook fan-out of bench-fanout, into the
// same loopback sink, with 1, 2 and 4 runner processes sharing one PostgreSQL journal — one
// runner opens the incident and plans the deliveries, the others help (`SharedFanOutJoiner`, as
// `playbook watch` processes do) — beside the same fan-out on the embedded SQLite journal and
// the sink's own rate with a plain client. Checks that nothing is lost or repeated: the journal
// says every delivery was sent and the sink received each once.
//
//   source scripts/postgres-cluster.sh && postgres_cluster_start   # or set PLAYBOOK_BENCH_POSTGRES
//   swift run -c release bench-scaleout [--contacts N] [--runners 1,2,4]

let concurrency = 32

func seconds(_ d: Swift.Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// CPU seconds (user + system) this process has used.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// CPU seconds of a process and of its children it has waited for (PostgreSQL's postmaster: every backend that ended), from /proc.
func processTreeCPU(_ pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: end)...].split(separator: " ")
    // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    guard fields.count > 14 else { return nil }
    let ticks = [11, 12, 13, 14].compactMap { Double(fields[$0]) }.reduce(0, +)
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func parentPID(_ pid: Int32) -> Int32? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: end)...].split(separator: " ").dropFirst().first.flatMap { Int32($0) }
}

func writeWorkspace(_ directory: String, port: Int, contacts: Int) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var csv = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale\n"
    for i in 0..<contacts { csv += "c\(i),Person \(i),p\(i)@example.com,,fan,true,false,Europe/Rome,en\n" }
    try csv.write(toFile: "\(directory)/contacts.csv", atomically: true, encoding: .utf8)
    try """
    version: 1
    playbook: bench-scaleout
    triggers: [{ id: manual, manual: {} }]
    channels:
      sink: { type: webhook, url: "http://127.0.0.1:\(port)/hook", concurrency: \(concurrency) }
    audience: { contacts: contacts.csv, segments: { everyone: "true" } }
    steps:
      - { id: tell, notify: { segment: everyone, via: [sink], message: { subject: "Hi", text: "Hello {{ contact.name }}, we are open." } } }
    """.write(toFile: "\(directory)/bench.yaml", atomically: true, encoding: .utf8)
}

func openJournal(_ state: String) async throws -> any Journal {
    PostgresLocation.isURL(state) ? try await PostgresJournal.open(state) : try SQLiteJournal(directory: state)
}

/// Child: opens the incident and runs the fan-out (helped by the others); prints elapsed seconds and the journal's sent count.
func driver(directory: String, state: String) async throws {
    let playbook = try PlaybookLoader.load(path: "\(directory)/bench.yaml").playbook!
    let journal = try await openJournal(state)
    let clock = ContinuousClock()
    let start = clock.now
    let outcome = try await LiveChannels.with(playbook: playbook, environment: [:]) { channels in
        try await Engine(journal: journal, channels: channels).run(playbook, .init())
    }
    let elapsed = seconds(clock.now - start)
    let sent = try await journal.deliveryCounts(incident: outcome.incident ?? "")["tell"]?[.sent] ?? 0
    print(String(format: "%.3f %d %@ %.3f", elapsed, sent, outcome.statuses["tell"]?.rawValue ?? "none", cpuSeconds()))
    await journal.close()
}

/// Child: helps with every open fan-out of the playbook until stdin closes; prints how it ends.
func helper(directory: String, state: String) async throws {
    let playbook = try PlaybookLoader.load(path: "\(directory)/bench.yaml").playbook!
    guard let journal = try await openJournal(state) as? PostgresJournal else { return }
    let stop = StopSignal()
    Thread.detachNewThread {
        while FileHandle.standardInput.availableData.count > 0 {}
        stop.request()
    }
    FileHandle.standardOutput.write(Data("ready\n".utf8))
    try await LiveChannels.with(playbook: playbook, environment: [:]) { channels in
        let engine = Engine(journal: journal, channels: channels, stop: stop)
        await SharedFanOutJoiner(engines: [playbook.name.value: (engine, playbook)], shared: journal, stop: stop, idle: 0.05).run()
    }
    await journal.close()
    FileHandle.standardOutput.write(Data(String(format: "cpu %.3f\n", cpuSeconds()).utf8))
}

/// The PostgreSQL server's postmaster, when it runs on this machine (its backends' parent).
func postmasterPID(_ server: String) async -> Int32? {
    guard let location = try? PostgresLocation(url: server) else { return nil }
    let logger = Logger(label: "bench")
    guard
        let connection = try? await PostgresConnection.connect(
            configuration: .init(host: location.host, port: location.port, username: location.user, password: nil, database: location.database, tls: .disable),
            id: 1, logger: logger)
    else { return nil }
    defer { Task { try? await connection.close() } }
    guard let rows = try? await connection.query("SELECT pg_backend_pid()", logger: logger) else { return nil }
    var backend: Int32?
    do { for try await pid in rows.decode(Int32.self) { backend = pid } } catch { return nil }
    return backend.flatMap(parentPID)
}

func createDatabase(_ server: String) async throws -> String {
    let location = try PostgresLocation(url: server)
    let name = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    let logger = Logger(label: "bench")
    let connection = try await PostgresConnection.connect(
        configuration: .init(host: location.host, port: location.port, username: location.user, password: nil, database: location.database, tls: .disable),
        id: 1, logger: logger)
    try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
    try? await connection.close()
    return location.with(database: name).description
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "driver" {
    try await driver(directory: arguments[2], state: arguments[3])
    exit(0)
}
if arguments.count == 4, arguments[1] == "helper" {
    try await helper(directory: arguments[2], state: arguments[3])
    exit(0)
}

func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let contacts = option("--contacts").flatMap(Int.init) ?? 100_000
let counts = (option("--runners") ?? "1,2,4").split(separator: ",").compactMap { Int($0) }
let environment = ProcessInfo.processInfo.environment
guard let server = environment["PLAYBOOK_BENCH_POSTGRES"] ?? environment["PLAYBOOK_TEST_POSTGRES"] else {
    print("bench-scaleout: set PLAYBOOK_BENCH_POSTGRES (or source scripts/postgres-cluster.sh && postgres_cluster_start)")
    exit(2)
}
#if DEBUG
    let configuration = "debug (use -c release for figures)"
#else
    let configuration = "release"
#endif
let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
print(
    "bench-scaleout: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(load), \(configuration), \(contacts) contacts, concurrency \(concurrency) per runner"
)
let sink = Sink()
try sink.start()
let sinkRate = try await plainClientRate(port: sink.port, requests: 30_000, concurrency: concurrency)
print(String(format: "sink, plain client:          %8.0f requests/s", sinkRate))
let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("bench-scaleout-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: workspace) }
try writeWorkspace(workspace, port: sink.port, contacts: contacts)

func spawn(_ mode: String, _ state: String, stdin: Pipe? = nil) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = [mode, workspace, state]
    let out = Pipe()
    process.standardOutput = out
    if let stdin { process.standardInput = stdin }
    try process.run()
    return (process, out)
}

/// One fan-out with `runners` processes (1 driver + helpers) on `state`: deliveries/s, and whether every delivery arrived once.
struct Measurement {
    var rate: Double
    var elapsed: Double
    var exact: Bool
    var detail: String
    /// CPU seconds of the runner processes, of PostgreSQL (nil when not measurable), of the sink (this process).
    var runnersCPU: Double
    var postgresCPU: Double?
    var sinkCPU: Double
}

func measure(state: String, runners: Int) throws -> Measurement {
    let sinkBefore = cpuSeconds()
    let postgresBefore = postmaster.flatMap(processTreeCPU)
    var helpers: [(Process, Pipe, Pipe)] = []
    for _ in 1..<max(1, runners) {
        let input = Pipe()
        let (process, out) = try spawn("helper", state, stdin: input)
        let ready = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard ready.contains("ready") else { throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "helper failed: \(ready)"]) }
        helpers.append((process, out, input))
    }
    let before = sink.count.withLockedValue { $0 }
    let (driver, out) = try spawn("driver", state)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    driver.waitUntilExit()
    var helpersCPU = 0.0
    for (process, out, input) in helpers {
        try? input.fileHandleForWriting.close()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        helpersCPU += text.split(separator: "\n").last { $0.hasPrefix("cpu ") }.flatMap { Double($0.dropFirst(4)) } ?? 0
    }
    Thread.sleep(forTimeInterval: 0.5)  // the runners' backends end and are counted in the postmaster's children
    let received = sink.count.withLockedValue { $0 } - before
    let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
    guard fields.count == 4, let elapsed = Double(fields[0]), let sent = Int(fields[1]), let driverCPU = Double(fields[3]) else {
        throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "driver failed: \(String(decoding: data, as: UTF8.self))"])
    }
    let exact = sent == contacts && received == contacts && fields[2] == "succeeded"
    let postgresCPU = postgresBefore.flatMap { before in postmaster.flatMap(processTreeCPU).map { $0 - before } }
    return Measurement(
        rate: Double(contacts) / elapsed, elapsed: elapsed, exact: exact, detail: "journal \(sent) sent, sink \(received) received",
        runnersCPU: driverCPU + helpersCPU, postgresCPU: postgresCPU, sinkCPU: cpuSeconds() - sinkBefore)
}

let postmaster = await postmasterPID(server)

/// CPU per 1,000 deliveries, by who spent it.
func cpuLine(_ m: Measurement) -> String {
    let per = 1000 / Double(contacts) * 1000
    let postgres = m.postgresCPU.map { String(format: ", PostgreSQL %.0f", $0 * per) } ?? ""
    return String(format: "      CPU ms per 1,000 deliveries: runners %.0f%@, sink %.0f", m.runnersCPU * per, postgres, m.sinkCPU * per)
}

let sqlite = try measure(state: "\(workspace)/sqlite-state", runners: 1)
print(
    String(
        format: "SQLite, 1 runner:            %8.0f deliveries/s (%.1f s), %@%@", sqlite.rate, sqlite.elapsed, sqlite.detail, sqlite.exact ? "" : "  MISMATCH"))
print(cpuLine(sqlite))
var measured: [(Int, Measurement)] = []
var first: Double?
for runners in counts {
    let database = try await createDatabase(server)
    let result = try measure(state: database, runners: runners)
    first = first ?? result.rate
    print(
        String(
            format: "PostgreSQL, %d runner%@:%@ %8.0f deliveries/s (%.1f s), %.2fx of 1 runner, %.2f of the sink, %@%@", runners, runners == 1 ? "" : "s",
            runners == 1 ? "      " : "     ", result.rate, result.elapsed, result.rate / (first ?? result.rate), result.rate / sinkRate, result.detail,
            result.exact ? "" : "  MISMATCH"))
    print(cpuLine(result))
    measured.append((runners, result))
}
// What more cores would give: the CPU the fan-out costs per delivery (runners + PostgreSQL +
// sink, measured above at 1 runner) spread over the cores, while no serial part saturates.
if let (_, one) = measured.first(where: { $0.0 == 1 }), let postgres = one.postgresCPU {
    let perDelivery = (one.runnersCPU + postgres + one.sinkCPU) / Double(contacts)
    let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
    print(
        String(
            format:
                "CPU per delivery, 1 runner: %.0f µs in all -> at most %.0f deliveries/s on these %.0f cores; about %.0f on 16 (if the sink and PostgreSQL keep up)",
            perDelivery * 1e6, cores / perDelivery, cores, 16 / perDelivery))
}
print("sink received \(sink.count.withLockedValue { $0 }) requests in all")
sink.stop()
