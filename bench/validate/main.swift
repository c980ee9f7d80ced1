import Foundation
import PlaybookCore
import Yams

// Times `PlaybookLoader.check` (load + every check) against a raw Yams parse of the same bytes,
// side by side in one run, over 1,000 generated playbooks; and, given a release binary, the
// start-up of `playbook --version`. See bench/README.md.

struct Options {
    var count = 1_000
    var rounds = 9
    var seed: UInt64 = 20_211_004
    var binary: String?
    var spawns = 50
    var keep: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--count": options.count = Int(iterator.next() ?? "") ?? options.count
            case "--rounds": options.rounds = Int(iterator.next() ?? "") ?? options.rounds
            case "--seed": options.seed = UInt64(iterator.next() ?? "") ?? options.seed
            case "--binary": options.binary = iterator.next()
            case "--spawns": options.spawns = Int(iterator.next() ?? "") ?? options.spawns
            case "--keep": options.keep = iterator.next()
            default:
                print("usage: bench-validate [--count N] [--rounds N] [--seed N] [--binary PATH] [--spawns N] [--keep DIR]")
                exit(argument == "--help" || argument == "-h" ? 0 : 2)
            }
        }
        return options
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))

// MARK: - Machine

func machine() -> String {
    var load = [0.0, 0.0, 0.0]
    _ = getloadavg(&load, 3)
    #if DEBUG
        let configuration = "debug (numbers are not representative: use -c release)"
    #else
        let configuration = "release"
    #endif
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    return """
        machine:    \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), load average \(load.map { String(format: "%.2f", $0) }.joined(separator: " "))
        os:         \(ProcessInfo.processInfo.operatingSystemVersionString)
        build:      \(configuration)
        """
}

// MARK: - Input

let directory: URL = {
    if let keep = options.keep { return URL(fileURLWithPath: keep) }
    return FileManager.default.temporaryDirectory.appendingPathComponent("bench-validate-\(getpid())")
}()
try FileManager.default.createDirectory(at: directory.appendingPathComponent("content"), withIntermediateDirectories: true)
defer { if options.keep == nil { try? FileManager.default.removeItem(at: directory) } }
try Data(PlaybookGenerator.contactsCSV.utf8).write(to: directory.appendingPathComponent("contacts.csv"))
try Data(PlaybookGenerator.calendarCSV.utf8).write(to: directory.appendingPathComponent("content/calendar.csv"))
try Data(PlaybookGenerator.seriesCSV.utf8).write(to: directory.appendingPathComponent("series.csv"))

var generator = PlaybookGenerator(seed: options.seed)
var inputs: [(path: String, bytes: [UInt8], text: String)] = []
for index in 0..<options.count {
    let text = generator.playbook(index)
    let path = directory.appendingPathComponent("gen-\(index).yaml").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    inputs.append((path, Array(text.utf8), text))
}

// Every input must be valid, or the benchmark times error paths instead of the real work.
var stepCounts: [Int] = []
for input in inputs {
    let result = PlaybookLoader.check(bytes: input.bytes, path: input.path)
    let errors = result.diagnostics.filter { $0.severity == .error }
    guard result.isValid, errors.isEmpty else {
        print("generated playbook \(input.path) is invalid:")
        print(DiagnosticRenderer(format: .text).render(result.diagnostics), terminator: "")
        exit(1)
    }
    stepCounts.append(result.playbook.map { $0.steps.count + $0.recovery.count } ?? 0)
}
let totalBytes = inputs.reduce(0) { $0 + $1.bytes.count }
stepCounts.sort()

// MARK: - Timing

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Keeps results alive so the optimizer cannot drop the work.
nonisolated(unsafe) var sink = 0

typealias Input = (path: String, bytes: [UInt8], text: String)

@inline(never)
func timeRawParse(_ inputs: [Input]) -> Double {
    let start = now()
    for input in inputs {
        if let node = try? Yams.compose(yaml: input.text) { sink &+= node.mapping?.count ?? 0 }
    }
    return Double(now() - start) / 1e9
}

@inline(never)
func timeCheck(_ inputs: [Input]) -> Double {
    let start = now()
    for input in inputs {
        sink &+= PlaybookLoader.check(bytes: input.bytes, path: input.path).diagnostics.count
    }
    return Double(now() - start) / 1e9
}

print(machine())
print("input:      \(inputs.count) playbooks, \(totalBytes / 1024) KiB, steps+recovery per playbook min \(stepCounts.first ?? 0) / median \(stepCounts[stepCounts.count / 2]) / max \(stepCounts.last ?? 0)")
print("rounds:     \(options.rounds) (each: all files parsed raw, then all files checked; medians below)")

_ = timeRawParse(inputs)  // warm-up: page in code, fill caches
_ = timeCheck(inputs)
var raw: [Double] = []
var checked: [Double] = []
for _ in 0..<options.rounds {
    raw.append(timeRawParse(inputs))
    checked.append(timeCheck(inputs))
}
let rawMedian = median(raw), checkMedian = median(checked)
let perFile = { (seconds: Double) in String(format: "%.1f µs/file", seconds / Double(inputs.count) * 1e6) }
print(String(format: "raw parse:  %7.1f ms  (%@)   Yams.compose(yaml:) of the same text", rawMedian * 1e3, perFile(rawMedian)))
print(String(format: "validate:   %7.1f ms  (%@)   PlaybookLoader.check(bytes:path:): load + every check", checkMedian * 1e3, perFile(checkMedian)))
let ratio = checkMedian / rawMedian
print(String(format: "ratio:      %.2fx  (target <= 2x) %@", ratio, ratio <= 2 ? "OK" : "OVER"))

// MARK: - Start-up

func releaseBinary() -> String? {
    if let binary = options.binary { return binary }
    let candidate = FileManager.default.currentDirectoryPath + "/.build/release/playbook"
    return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
}

/// Spawns the binary with posix_spawn (not Foundation.Process, whose run-loop wait adds its own latency).
func spawnOnce(_ path: String, _ arguments: [String]) -> Double? {
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let start = now()
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return nil }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let elapsed = Double(now() - start) / 1e6
    return status == 0 ? elapsed : nil
}

if options.spawns > 0, let binary = releaseBinary() {
    _ = spawnOnce(binary, ["--version"])
    let times = (0..<options.spawns).compactMap { _ in spawnOnce(binary, ["--version"]) }
    if times.count == options.spawns {
        let m = median(times)
        print(String(format: "start-up:   %.1f ms median of %d spawns of `%@ --version` (min %.1f, max %.1f; target < 20 ms) %@",
                     m, times.count, binary, times.min() ?? 0, times.max() ?? 0, m < 20 ? "OK" : "OVER"))
    } else {
        print("start-up:   \(binary) --version failed")
    }
} else {
    print("start-up:   skipped (no release binary: `swift build -c release --product playbook`, or pass --binary PATH)")
}
if options.keep != nil { print("inputs kept in \(directory.path)") }
