import Foundation

// Fan-out benchmark: the whole release `playbook run` process, start to exit, notifying 50,000
// contacts through a `webhook` channel into nginx (one worker, `return 200`), beside
// `wrk -t1 -c16 -d4s` POSTing a ~110-byte JSON body to the same nginx in the same run.
// Target: at least 0.25 of wrk's rate, never under 5,000 deliveries/s; peak memory flat in
// contacts (a second, smaller run). Installs nginx and wrk with apt-get when missing.
//
//   swift build -c release --product playbook && swift run -c release bench-fanout
//   options: --binary PATH  --contacts N (50000)  --small N (5000)  --concurrency N (16)
//            --keep DIR (leave the playbooks and journals there, e.g. for `perf record`)

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let executableFolder = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
let binary = option("--binary") ?? "\(executableFolder)/playbook"
let contacts = option("--contacts").flatMap(Int.init) ?? 50_000
let small = option("--small").flatMap(Int.init) ?? 5_000
let concurrency = option("--concurrency").flatMap(Int.init) ?? 16
let kept = option("--keep")

#if DEBUG
    let configuration = "debug bench (the playbook binary is what counts)"
#else
    let configuration = "release"
#endif

do {
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw BenchError("no playbook binary at \(binary): swift build -c release --product playbook, or --binary PATH")
    }
    let tools = try Tools.ensure()
    let directory = kept ?? FileManager.default.temporaryDirectory.appendingPathComponent("bench-fanout-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { if kept == nil { try? FileManager.default.removeItem(atPath: directory) } }

    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    print("bench-fanout: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(load), \(configuration), binary \(binary)")
    let nginx = try Nginx(binary: tools.nginx, directory: directory)
    defer { nginx.stop() }
    let large = try PlaybookRun.prepare(count: contacts, port: nginx.port, concurrency: concurrency, in: directory)
    let little = try PlaybookRun.prepare(count: small, port: nginx.port, concurrency: concurrency, in: directory)

    let wrk = try Wrk.rate(binary: tools.wrk, port: nginx.port, directory: directory, seconds: 4)
    print(String(format: "wrk -t1 -c16 -d4s, %d-byte POST:      %8.0f requests/s", Wrk.body.utf8.count, wrk))
    let counted = try PlaybookRun.measure(binary: binary, folder: large, contacts: contacts)
    let memory = try PlaybookRun.measure(binary: binary, folder: little, contacts: small)
    func line(_ run: PlaybookRun) -> String {
        String(
            format: "playbook run, %7d contacts (c=%d): %8.0f deliveries/s (%.2f s start to exit), peak %.1f MB, journal: %d sent",
            run.contacts, concurrency, run.rate, run.seconds, run.peakMB, run.sent)
    }
    print(line(counted))
    print(line(memory))
    print(
        String(
            format: "ratio to wrk:                         %8.3f (target >= 0.25; floor 5,000/s: %@)", counted.rate / wrk,
            counted.rate >= 5_000 ? "held" : "MISSED"))
    print(String(format: "peak memory %d / %d contacts:      %8.2fx (flat: <= 1.2x)", contacts, small, counted.peakMB / memory.peakMB))
    let after = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    print("load after: \(after)")
    guard counted.sent == contacts, memory.sent == small else { throw BenchError("the journal does not say every delivery was sent") }
} catch {
    print("bench-fanout: \(error)")
    exit(1)
}
