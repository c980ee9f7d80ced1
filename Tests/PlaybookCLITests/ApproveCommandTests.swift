import Foundation
import PlaybookTestSupport
import Testing

/// `playbook approve FILE STEP [--deny]` decides the approval a running `playbook run` waits on,
/// from another terminal: exit 0 when it decided, 1 when there is nothing to decide, 2 on I/O.
@Suite struct ApproveCommandTests {
    static let playbook = """
        version: 1
        playbook: meta-outage
        triggers: [{ id: manual, manual: {} }]
        channels: { outbox: { type: file, path: outbox.jsonl } }
        steps:
          - id: ask-owner
            approve: { to: [outbox], text: "Pause the ads? {{ approval.url }}", timeout: 10m }
          - { id: pause-note, after: [ask-owner], log: { message: "pausing the ads" } }
        """

    /// Starts `playbook run` in the background, decides with `playbook approve` once the run
    /// waits, and returns the run's exit status and stderr, and the deciding command's run.
    static func runAndDecide(_ workspace: borrowing Workspace, _ extra: [String]) async throws -> (status: Int32, stderr: String, decided: PlaybookBinary.Run) {
        let errors = try OutputFile(in: workspace.url, "run.stderr")
        let process = try ChildProcess(
            try PlaybookBinary.path.get(), ["run", "meta.yaml", "--yes"], in: workspace.url, environment: PlaybookBinary.baseEnvironment,
            standardError: errors.handle)
        var decided = try await workspace.run(["approve", "meta.yaml", "ask-owner", "--by", "tester"] + extra)
        for _ in 0..<300 where decided.status != 0 {
            try await Task.sleep(nanoseconds: 100_000_000)
            decided = try await workspace.run(["approve", "meta.yaml", "ask-owner", "--by", "tester"] + extra)
        }
        let status = try await process.waitForExit(within: 120)
        return (status, errors.text, decided)
    }

    @Test func approvingFromAnotherTerminalLetsTheWaitingRunGoOn() async throws {
        let workspace = try Workspace(["meta.yaml": Self.playbook])
        let (status, stderr, decided) = try await Self.runAndDecide(workspace, [])
        #expect(decided.status == 0, "\(decided.stderr)")
        #expect(decided.stderr.hasPrefix("approved 'ask-owner' of incident meta-outage-"), "\(decided.stderr)")
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("warning: approval links need --listen"), "\(stderr)")
        #expect(stderr.contains("approved by cli (tester)"), "\(stderr)")
        #expect(stderr.contains("pausing the ads"), "\(stderr)")

        let again = try await workspace.run(["approve", "meta.yaml", "ask-owner", "--deny"])
        #expect(again.status == 1)
        #expect(again.stderrLines.count == 1)
        #expect(again.stderr.contains("was already approved by cli (tester) at "), "\(again.stderr)")
    }

    @Test func statusShowsAPendingApprovalAndAResumedRunTakesTheDecisionWithoutAskingAgain() async throws {
        let workspace = try Workspace(["meta.yaml": Self.playbook])
        let process = try ChildProcess(
            try PlaybookBinary.path.get(), ["run", "meta.yaml", "--yes"], in: workspace.url, environment: PlaybookBinary.baseEnvironment)
        var status = try await workspace.run(["status", "meta.yaml"])
        for _ in 0..<300 where !status.stdout.contains("approval ask-owner: pending until") {
            try await Task.sleep(nanoseconds: 100_000_000)
            status = try await workspace.run(["status", "meta.yaml"])
        }
        process.signal(SIGKILL)
        _ = try await process.waitForExit(within: 60)
        #expect(status.stdout.contains("approval ask-owner: pending until "), "\(status.stdout)")

        let decided = try await workspace.run(["approve", "meta.yaml", "ask-owner", "--by", "tester"])
        #expect(decided.status == 0, "\(decided.stderr)")
        let json = try await workspace.run(["status", "meta.yaml", "--format", "json"])
        let incidents = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let approvals = try #require(incidents.first?["approvals"] as? [[String: Any]])
        #expect(approvals.count == 1)
        #expect(approvals.first?["status"] as? String == "approved")
        #expect(approvals.first?["decided_by"] as? String == "cli (tester)")

        let resumed = try await workspace.run(["run", "meta.yaml", "--yes"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("pausing the ads"), "\(resumed.stderr)")
        let outbox = try String(contentsOf: workspace.url.appendingPathComponent("outbox.jsonl"), encoding: .utf8)
        #expect(outbox.split(separator: "\n").count == 1, "the request went out once: \(outbox)")
        let history = try await workspace.run(["history", "meta.yaml"])
        #expect(history.stdout.contains("approval ask-owner: approved by cli (tester) at "), "\(history.stdout)")
    }

    @Test func denyingFailsTheRunAndSkipsWhatTheApprovalGuards() async throws {
        let workspace = try Workspace(["meta.yaml": Self.playbook])
        let (status, stderr, decided) = try await Self.runAndDecide(workspace, ["--deny"])
        #expect(decided.status == 0, "\(decided.stderr)")
        #expect(status == 3, "\(stderr)")
        #expect(stderr.contains("denied by cli (tester)"), "\(stderr)")
        #expect(!stderr.contains("pausing the ads"), "\(stderr)")
    }

    @Test(arguments: [
        ("ask-owner", "playbook 'meta-outage' has no active incident"),
        ("pause-note", "step 'pause-note' of playbook 'meta-outage' is a log step, not an approve step"),
        ("nope", "playbook 'meta-outage' has no step 'nope'"),
    ])
    func nothingToDecideExitsOneWithOneLine(step: String, message: String) async throws {
        let workspace = try Workspace(["meta.yaml": Self.playbook])
        let run = try await workspace.run(["approve", "meta.yaml", step])
        #expect(run.status == 1)
        #expect(run.stderrLines == ["playbook: error: \(message)"])
    }

    @Test func anUnusableStateExitsTwo() async throws {
        let workspace = try Workspace(["meta.yaml": Self.playbook, "state-file": "not a directory"])
        let run = try await workspace.run(["approve", "meta.yaml", "ask-owner", "--state", "state-file"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderrLines.count == 1)
    }
}
