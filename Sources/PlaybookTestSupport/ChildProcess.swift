import Foundation
import Synchronization

/// A process a test starts, whose exit is awaited without holding a thread.
///
/// `Process.waitUntilExit()` blocks the calling thread, and Swift's cooperative pool has one thread
/// per core: on 2 cores two tests waiting that way stop every other test of the run. Here a thread
/// of the child's own waits in `waitpid` and resumes the waiting tests, so a waiting test costs no
/// thread of the pool, and the whole suite can run in parallel. The child is started with
/// `posix_spawn` (see `PosixSpawn`), not Foundation's `Process`.
public final class ChildProcess: Sendable {
    /// The child did not exit within its time limit: it was killed (SIGKILL) and the test fails
    /// with this message instead of hanging.
    public struct TimeLimitExceeded: Error, CustomStringConvertible {
        public var command: String
        public var seconds: Double
        public var description: String { "`\(command)` did not exit within \(Self.format(seconds)) s: killed" }

        public init(command: String, seconds: Double) {
            self.command = command
            self.seconds = seconds
        }

        static func format(_ seconds: Double) -> String {
            seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        }
    }

    /// The command line, for messages.
    public let command: String
    public let processIdentifier: Int32
    private let state = ExitState()

    /// The exit status once known, and the tests waiting for it.
    private final class ExitState: Sendable {
        struct Value {
            var status: Int32?
            var waiters: [UUID: CheckedContinuation<Int32?, Never>] = [:]
        }
        private let value = Mutex(Value())
        /// Signalled once the status is known, for the few callers that must block.
        let exited = DispatchSemaphore(value: 0)
        func withLock<R>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
    }

    /// Starts `executable ARGUMENTS`; each standard stream is the null device unless given (a
    /// `FileHandle`, or a `Pipe` whose child's end is closed here once the child has it, so
    /// that the test sees the end of what the child writes).
    public init(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String],
        standardInput: Any = FileHandle.nullDevice, standardOutput: Any = FileHandle.nullDevice, standardError: Any = FileHandle.nullDevice
    ) throws {
        command = ([URL(fileURLWithPath: executable).lastPathComponent] + arguments).joined(separator: " ")
        processIdentifier = try PosixSpawn.spawn(
            executable, arguments, in: directory?.path, environment: environment,
            standardInput: Self.stream(standardInput, reading: true), standardOutput: Self.stream(standardOutput, reading: false),
            standardError: Self.stream(standardError, reading: false))
        for (stream, reading) in [(standardInput, true), (standardOutput, false), (standardError, false)] {
            guard let pipe = stream as? Pipe else { continue }
            try? (reading ? pipe.fileHandleForReading : pipe.fileHandleForWriting).close()
        }
        let pid = processIdentifier
        Thread.detachNewThread { [state] in
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            // As Foundation reports it: the exit code, or the number of the signal that ended it.
            let status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
            let waiters = state.withLock { state in
                state.status = status
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            state.exited.signal()
            for waiter in waiters { waiter.resume(returning: status) }
        }
    }

    private static func stream(_ value: Any, reading: Bool) -> PosixSpawn.Stream {
        if let pipe = value as? Pipe {
            return .descriptor((reading ? pipe.fileHandleForReading : pipe.fileHandleForWriting).fileDescriptor)
        }
        if let handle = value as? FileHandle, handle !== FileHandle.nullDevice, handle.fileDescriptor >= 0 {
            return .descriptor(handle.fileDescriptor)
        }
        return .null
    }

    public var hasExited: Bool { state.withLock { $0.status != nil } }
    public var isRunning: Bool { !hasExited }

    /// Sends `signal` unless the child has already exited.
    public func signal(_ signal: Int32) {
        if !hasExited { kill(processIdentifier, signal) }
    }

    /// The exit status, or nil when the child is still running after `seconds`.
    public func exit(within seconds: Double) async -> Int32? {
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
    public func waitForExit(within seconds: Double = ChildProcess.defaultTimeLimit) async throws -> Int32 {
        if let status = await exit(within: seconds) { return status }
        kill(processIdentifier, SIGKILL)
        _ = await exit(within: 10)
        throw TimeLimitExceeded(command: command, seconds: seconds)
    }

    /// The exit status, waited for on the calling thread: only for synchronous set-up code
    /// (a certificate made once, say) that has no task to suspend.
    public func blockingWaitForExit() -> Int32 {
        state.exited.wait()
        state.exited.signal()
        return state.withLock { $0.status ?? -1 }
    }

    /// Generous: a CLI test's run takes well under a second alone, and a few seconds on a
    /// machine busy with builds; only a hang reaches this.
    public static let defaultTimeLimit = 120.0

    deinit {
        if !hasExited { kill(processIdentifier, SIGKILL) }
    }
}
