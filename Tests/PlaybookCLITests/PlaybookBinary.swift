import Foundation
import PlaybookTestSupport

/// The built `playbook` executable, run as a subprocess the way a user or CI runs it.
///
/// Found, in order: `PLAYBOOK_BIN`; next to the test bundle (SwiftPM builds every executable
/// product into the same folder as the tests); the package's `.build/debug` and `.build/release`.
enum PlaybookBinary {
    struct NotFound: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            "the playbook binary was not found; run `swift build --product playbook` or set PLAYBOOK_BIN. Looked in: \(searched.joined(separator: ", "))"
        }
    }

    /// What one run printed and how it ended.
    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String

        var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    static let path: Result<String, NotFound> = locate()

    static func locate() -> Result<String, NotFound> {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["PLAYBOOK_BIN"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? .success(explicit) : .failure(NotFound(searched: ["PLAYBOOK_BIN=\(explicit)"]))
        }
        var folders: [URL] = []
        let bundle = Bundle.main.bundleURL
        folders += [bundle, bundle.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL?.deletingLastPathComponent() { folders.append(executable) }
        if let first = CommandLine.arguments.first {
            folders.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        // Tests/PlaybookCLITests/PlaybookBinary.swift -> the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        folders += [root.appendingPathComponent(".build/debug"), root.appendingPathComponent(".build/release")]
        var searched: [String] = []
        for folder in folders {
            let candidate = folder.appendingPathComponent("playbook").standardizedFileURL.path
            if searched.contains(candidate) { continue }
            searched.append(candidate)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return .success(candidate)
            }
        }
        return .failure(NotFound(searched: searched))
    }

    /// A small, explicit environment: nothing of the developer's shell leaks into a test.
    static let baseEnvironment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]

    /// Runs `playbook ARGUMENTS` in `directory` with exactly `environment` added to the base one,
    /// and awaits its exit without holding a thread (`ChildProcess`). stdout and stderr go to
    /// files, so neither pipe can fill and block the child; a run still going after `timeLimit`
    /// seconds is killed and fails the test.
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], timeLimit: Double = ChildProcess.defaultTimeLimit
    ) async throws -> Run {
        try await runProgram(path.get(), arguments, in: directory, environment: baseEnvironment.merging(environment) { _, new in new }, timeLimit: timeLimit)
    }

    /// Runs any program with exactly `environment`, the same way.
    static func runProgram(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String],
        timeLimit: Double = ChildProcess.defaultTimeLimit
    ) async throws -> Run {
        let scratch = TestScratch.root
        let out = try OutputFile(in: scratch, "playbook-cli-stdout"), err = try OutputFile(in: scratch, "playbook-cli-stderr")
        let child = try ChildProcess(
            executable, arguments, in: directory, environment: environment, standardOutput: out.handle, standardError: err.handle)
        let status = try await child.waitForExit(within: timeLimit)
        return Run(status: status, stdout: out.text, stderr: err.text)
    }
}

/// A temporary folder of playbooks written by a test, removed when the test ends.
struct Workspace: ~Copyable {
    let url: URL

    init(_ files: [String: String]) throws {
        url = TestScratch.root.appendingPathComponent("playbook-ws-\(UUID().uuidString)")
        for (name, text) in files {
            let file = url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> PlaybookBinary.Run {
        try await PlaybookBinary.run(arguments, in: url, environment: environment)
    }
}
