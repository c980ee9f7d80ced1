import Foundation
import Synchronization
import Testing

/// A process a test starts, whose exit is awaited without holding a thread.
///
/// `Process.waitUntilExit()` blocks the calling thread, and Swift's cooperative pool has one thread
/// per core: on 2 cores two tests waiting that way stop every other test of the run. Here the exit
/// arrives through `terminationHandler` and resumes a continuation, so a waiting test costs no
/// thread, and the whole suite can run in parallel.
final class ChildProcess: Sendable {
    /// The child did not exit within its time limit: it was killed (SIGKILL) and the test fails
    /// with this message instead of hanging.
    struct TimeLimitExceeded: Error, CustomStringConvertible {
        var command: String
        var seconds: Double
        var description: String { "`\(command)` did not exit within \(Self.format(seconds)) s: killed" }

        static func format(_ seconds: Double) -> String {
            seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        }
    }

    /// The command line, for messages.
    let command: String
    nonisolated(unsafe) private let process: Process
    private let state = ExitState()

    /// The exit status once known, and the tests waiting for it.
    private final class ExitState: Sendable {
        struct Value {
            var status: Int32?
            var waiters: [UUID: CheckedContinuation<Int32?, Never>] = [:]
        }
        private let value = Mutex(Value())
        func withLock<R>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
    }

    /// Starts `executable ARGUMENTS`; each standard stream is `FileHandle.nullDevice` unless given.
    init(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String],
        standardInput: Any = FileHandle.nullDevice, standardOutput: Any = FileHandle.nullDevice, standardError: Any = FileHandle.nullDevice
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        process.standardError = standardError
        self.process = process
        command = ([URL(fileURLWithPath: executable).lastPathComponent] + arguments).joined(separator: " ")
        // Set before `run()`: a child that exits at once must still be seen exiting.
        process.terminationHandler = { [state] ended in
            let status = ended.terminationStatus
            let waiters = state.withLock { state in
                state.status = status
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
        try process.run()
    }

    var processIdentifier: Int32 { process.processIdentifier }
    var hasExited: Bool { state.withLock { $0.status != nil } }

    /// Sends `signal` unless the child has already exited.
    func signal(_ signal: Int32) {
        if !hasExited { kill(process.processIdentifier, signal) }
    }

    /// The exit status, or nil when the child is still running after `seconds`.
    func exit(within seconds: Double) async -> Int32? {
        let id = UUID()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
            let status: Int32?? = state.withLock { state in
                if let status = state.status { return .some(status) }
                state.waiters[id] = continuation
                return .none
            }
            if let status {
                continuation.resume(returning: status)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [state] in
                let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: nil)
            }
        }
    }

    /// The exit status; a child still running after `seconds` is killed and the test fails
    /// (`TimeLimitExceeded`).
    func waitForExit(within seconds: Double = ChildProcess.defaultTimeLimit) async throws -> Int32 {
        if let status = await exit(within: seconds) { return status }
        kill(process.processIdentifier, SIGKILL)
        _ = await exit(within: 10)
        throw TimeLimitExceeded(command: command, seconds: seconds)
    }

    /// Generous: a CLI test's run takes well under a second alone, and a few seconds on a
    /// machine busy with builds; only a hang reaches this.
    static let defaultTimeLimit = 120.0

    deinit {
        if !hasExited { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A file the child writes one of its streams into: no pipe can fill and block it, and the test
/// reads what it wrote so far at any time.
final class OutputFile: Sendable {
    let url: URL
    let handle: FileHandle

    init(in folder: URL, _ name: String) throws {
        url = folder.appendingPathComponent("\(name)-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    var text: String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}

/// Polls `condition` every 20 ms (with `Task.sleep`, holding no thread) until it holds; false
/// after `seconds`.
func eventually(within seconds: Double = 30, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return await condition()
}

/// The first bytes written into `pipe` (empty at its end), read on a thread of its own: the
/// read blocks, and must not hold one of the few threads the tests share.
func firstOutput(of pipe: Pipe) async -> Data {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.availableData) }
    }
}
