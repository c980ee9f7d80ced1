import AsyncHTTPClient
import BenchSink
import Foundation
import NIOCore
import PlaybookChannels
import PlaybookCore
import PlaybookEngine

// Fan-out benchmark (issue: execution engine). Starts a loopback HTTP sink, measures its maximum
// rate with a plain AsyncHTTPClient loop at the channel's concurrency, then — in fresh processes,
// so each peak memory is its own — notifies 10,000 and 100,000 generated contacts through a
// `webhook` channel into the same sink with the real engine, journaling every delivery.
// Targets: at least 50% of the sink's rate; peak memory at 100k no more than 1.5x that at 10k.
//
//   swift run -c release bench-fanout

let concurrency = 32

func peakMemoryMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Double(line.split(separator: " ").compactMap { Double($0) }.first ?? 0)) / 1024
}

func seconds(_ d: Swift.Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// The engine run, in a child process: `bench-fanout engine PORT CONTACTS`.
func engineRun(port: Int, contacts: Int) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-fanout-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var csv = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale\n"
    for i in 0..<contacts { csv += "c\(i),Person \(i),p\(i)@example.com,,fan,true,false,Europe/Rome,en\n" }
    try csv.write(toFile: "\(directory)/contacts.csv", atomically: true, encoding: .utf8)
    try """
        version: 1
        playbook: bench-fanout
        triggers: [{ id: manual, manual: {} }]
        channels:
          sink: { type: webhook, url: "http://127.0.0.1:\(port)/hook", concurrency: \(concurrency) }
        audience: { contacts: contacts.csv, segments: { everyone: "true" } }
        steps:
          - { id: tell, notify: { segment: everyone, via: [sink], message: { subject: "Hi", text: "Hello {{ contact.name }}, we are open." } } }
        """.write(toFile: "\(directory)/bench.yaml", atomically: true, encoding: .utf8)
    let playbook = try PlaybookLoader.load(path: "\(directory)/bench.yaml").playbook!
    let journal = try SQLiteJournal(directory: "\(directory)/state")
    let clock = ContinuousClock()
    let start = clock.now
    let outcome = try await LiveChannels.with(playbook: playbook, environment: [:]) { channels in
        try await Engine(journal: journal, channels: channels).run(playbook, .init())
    }
    let elapsed = seconds(clock.now - start)
    guard outcome.statuses["tell"] == .succeeded else {
        print("engine run failed: \(outcome.statuses)")
        exit(1)
    }
    let commits = await journal.commits
    print(String(format: "%d %.3f %.1f %d", contacts, elapsed, peakMemoryMB(), commits))
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "engine", let port = Int(arguments[2]), let contacts = Int(arguments[3]) {
    try await engineRun(port: port, contacts: contacts)
    exit(0)
}

#if DEBUG
let configuration = "debug (use -c release for figures)"
#else
let configuration = "release"
#endif
let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
print("bench-fanout: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(load), \(configuration), concurrency \(concurrency)")
let sink = Sink()
try sink.start()
let sinkRate = try await plainClientRate(port: sink.port, requests: 30_000, concurrency: concurrency)
print(String(format: "sink, plain client:        %8.0f requests/s", sinkRate))

func child(_ contacts: Int) throws -> (Double, Double, Double, Int) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["engine", String(sink.port), String(contacts)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
    guard fields.count == 4, let elapsed = Double(fields[1]), let memory = Double(fields[2]), let commits = Int(fields[3]) else {
        print("child failed: \(String(decoding: data, as: UTF8.self))")
        exit(1)
    }
    return (Double(contacts) / elapsed, elapsed, memory, commits)
}

let small = try child(10_000)
print(String(format: "engine, 10,000 contacts:   %8.0f deliveries/s (%.1f s), peak %.1f MB, %d journal commits", small.0, small.1, small.2, small.3))
let large = try child(100_000)
print(String(format: "engine, 100,000 contacts:  %8.0f deliveries/s (%.1f s), peak %.1f MB, %d journal commits", large.0, large.1, large.2, large.3))
print(String(format: "ratio to the sink's rate:  %.2f (target >= 0.50)", large.0 / sinkRate))
print(String(format: "memory 100k / 10k:         %.2fx (target <= 1.5x)", large.2 / small.2))
print("sink received \(sink.count.withLockedValue { $0 }) requests in all")
sink.stop()
