import Foundation
import PlaybookTestSupport
import Testing

/// The harness every CLI test runs the binary through: it awaits the exit without a thread, and a
/// child that outlives its time limit is killed and fails the test instead of hanging it.
@Suite struct ChildProcessTests {
    @Test func theExitStatusArrivesWithoutWaitingOnAThread() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "exit 7"], environment: PlaybookBinary.baseEnvironment)
        #expect(try await child.waitForExit(within: 60) == 7)
        #expect(child.hasExited)
    }

    @Test func aChildPastItsTimeLimitIsKilledAndNamed() async throws {
        // Left alone, the child would run for 5 minutes: it ends only because it was killed.
        let child = try ChildProcess("/bin/sleep", ["300"], environment: PlaybookBinary.baseEnvironment)
        await #expect(throws: ChildProcess.TimeLimitExceeded.self) { try await child.waitForExit(within: 0.5) }
        #expect(child.hasExited)
        let message = ChildProcess.TimeLimitExceeded(command: child.command, seconds: 0.5).description
        #expect(message == "`sleep 300` did not exit within 0.5 s: killed")
    }

    @Test func exitWithinReportsARunningChildWithoutKillingIt() async throws {
        let child = try ChildProcess("/bin/sleep", ["30"], environment: PlaybookBinary.baseEnvironment)
        #expect(await child.exit(within: 0.1) == nil)
        #expect(!child.hasExited)
        child.signal(SIGKILL)
        #expect(try await child.waitForExit(within: 60) == SIGKILL)
    }

    /// As from a shell: a signal the test process may ignore (SIGTERM, say) has its default
    /// effect in the child.
    @Test func aChildHasTheDefaultSignalDispositions() async throws {
        let child = try ChildProcess("/bin/sleep", ["30"], environment: PlaybookBinary.baseEnvironment)
        try await Task.sleep(nanoseconds: 100_000_000)
        child.signal(SIGTERM)
        #expect(try await child.waitForExit(within: 60) == SIGTERM)
    }

    /// The child sees its three standard streams and no other descriptor of the test process
    /// (a pipe's write end left open in a child would keep its reader from ever seeing the end),
    /// in the directory it was given.
    @Test func aChildGetsItsStreamsAndDirectoryAndNoOtherDescriptor() async throws {
        let folder = TestScratch.root.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let unrelated = Pipe()  // open in the test process, not given to the child
        // Every descriptor the test process holds beyond the three streams: none may be open in
        // the child. (The shell tests each by name, opening nothing itself: a listing would
        // show the listing's own descriptors, and a pipeline's.)
        let held = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int.init).filter { $0 > 2 }
        #expect(held.contains(Int(unrelated.fileHandleForWriting.fileDescriptor)))
        let output = try OutputFile(in: folder, "out")
        let script = "pwd; for fd in \(held.map(String.init).joined(separator: " ")); do [ -e /proc/$$/fd/$fd ] && echo \"open: $fd\"; done; echo checked"
        let child = try ChildProcess("/bin/sh", ["-c", script], in: folder, environment: PlaybookBinary.baseEnvironment, standardOutput: output.handle)
        #expect(try await child.waitForExit(within: 60) == 0)
        let lines = output.text.split(separator: "\n").map(String.init)
        #expect(lines.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } == folder.resolvingSymlinksInPath().path)
        #expect(Array(lines.dropFirst()) == ["checked"])
    }
}
