import Foundation
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
        // (SIGKILL: a child inherits the test process's ignored SIGTERM.)
        child.signal(SIGKILL)
        #expect(try await child.waitForExit(within: 60) == SIGKILL)
    }
}
