import Foundation
import PlaybookTestSupport
import Testing

/// `playbook run --listen` (or `watch --listen`) with the console on, beside Support/inbox.py:
/// the loopback phone the approval link is received on, and a Meta Marketing API with one
/// campaign to pause.
final class ConsoleRun: Sendable {
    static let token = "console-test-token-1234"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// Where screenshots land: docs/console/ (which docs/console.md shows) when
    /// `PLAYBOOK_UPDATE_SCREENSHOTS=1`, as golden files are rewritten; otherwise .build/, so that a
    /// test run leaves the checkout as it was (a release built after it is not "-dirty").
    static let screenshots =
        ProcessInfo.processInfo.environment["PLAYBOOK_UPDATE_SCREENSHOTS"] == "1"
        ? repository.appendingPathComponent("docs/console") : repository.appendingPathComponent(".build/console-screenshots")

    let directory: URL
    let inbox: ChildProcess
    let inboxPort: Int
    let run: ChildProcess
    let stderr: OutputFile
    /// `http://127.0.0.1:PORT`, from the run's "listening on" line.
    let base: String

    /// Writes `playbook` (with `INBOX` replaced by the inbox's base URL) and starts the run.
    init(_ playbook: String, command: [String] = ["run", "meta.yaml", "--yes"], arguments: [String] = []) async throws {
        directory = TestScratch.root.appendingPathComponent("console-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("inbox.py").path
        let portPipe = Pipe()
        inbox = try ChildProcess("/usr/bin/env", ["python3", script, directory.path], environment: ProcessInfo.processInfo.environment, standardOutput: portPipe)
        let portLine = String(decoding: await firstOutput(of: portPipe), as: UTF8.self)
        inboxPort = try #require(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)), "inbox.py printed no port: '\(portLine)'")
        try playbook.replacingOccurrences(of: "INBOX", with: "http://127.0.0.1:\(inboxPort)")
            .write(to: directory.appendingPathComponent("meta.yaml"), atomically: true, encoding: .utf8)
        stderr = try OutputFile(in: directory, "run.stderr")
        var environment = PlaybookBinary.baseEnvironment
        environment["PLAYBOOK_CONSOLE_TOKEN"] = Self.token
        environment["META_TOKEN"] = "meta-test-token-5678"
        run = try ChildProcess(
            try PlaybookBinary.path.get(), command + ["--listen", "127.0.0.1:0"] + arguments, in: directory, environment: environment,
            standardError: stderr.handle)
        let errors = stderr
        var found: String?
        _ = await eventually(within: 30) {
            found = errors.text.firstMatch(of: /listening on (http:\/\/[0-9.:]+)/).map { String($0.1) }
            return found != nil
        }
        base = try #require(found, "the run never said where it listens: \(stderr.text)")
    }

    deinit {
        run.signal(SIGKILL)
        inbox.signal(SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the phone received (each request's JSON body).
    var received: [String] {
        ((try? String(contentsOf: directory.appendingPathComponent("inbox.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The campaigns paused at the Graph API fake.
    var paused: [String] {
        ((try? String(contentsOf: directory.appendingPathComponent("paused.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The approval link of the request whose text contains `marker`, once the phone has it.
    func link(containing marker: String) async throws -> String {
        var link: String?
        _ = await eventually(within: 30) {
            link = received.first { $0.contains(marker) }.flatMap { line in
                line.range(of: base + "/approve/").map { range in String(line[range.lowerBound...].prefix { $0 != "\"" && $0 != " " }) }
            }
            return link != nil
        }
        return try #require(link, "no approval link for '\(marker)' reached the phone: \(received) — run: \(stderr.text)")
    }

    /// The incident the run opened.
    func incidentID() async throws -> String {
        var id: String?
        _ = await eventually(within: 30) {
            id = stderr.text.firstMatch(of: /incident ([a-z0-9-]+-[0-9]{8}T[0-9]{6}Z(-[0-9]+)?) opened/).map { String($0.1) }
            return id != nil
        }
        return try #require(id, "no incident opened: \(stderr.text)")
    }

    func screenshot(_ name: String) -> String {
        try? FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        return Self.screenshots.appendingPathComponent(name).path
    }

    func exit() async throws -> Int32 { try await run.waitForExit(within: 120) }
}
