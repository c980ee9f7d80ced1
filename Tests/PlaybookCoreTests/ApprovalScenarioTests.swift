import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// Scenario files decide approvals with `approvals: {STEP: approve|deny|timeout}`: the decision
/// drives what runs and when, and a scenario that names a step that is not an approval, or a
/// decision that does not exist, cannot run.
@Suite struct ApprovalScenarioTests {
    static let playbook = ApprovalPlanTests.yaml

    /// Runs `scenario` (after the common header) against the playbook, in a folder of its own.
    static func run(_ scenario: String) throws -> ScenarioRunner.Report {
        let folder = TestScratch.root.appendingPathComponent("approval-scenario-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try playbook.write(to: folder.appendingPathComponent("approve-ads.yaml"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("approve-ads.test.yaml").path
        try """
        test: the owner decides
        playbook: approve-ads.yaml
        at: 2021-10-04T15:39:00Z
        \(scenario)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return ScenarioRunner.run(path: path)
    }

    static func messages(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    @Test func anApprovedScenarioRunsTheGatedSteps() throws {
        let report = try Self.run(
            """
            approvals: { ask-owner: approve }
            expect:
              steps:
                ask-owner: { runs: true }
                pause-ads: { offset: 0s, runs: true }
              not_run: [tell-denied]
            """)
        #expect(report.errors.isEmpty, "\(Self.messages(report.errors))")
        #expect(report.failures.isEmpty, "\(Self.messages(report.failures))")
    }

    @Test func aDeniedScenarioRunsTheDeniedBranch() throws {
        let report = try Self.run(
            """
            approvals: { ask-owner: deny }
            expect:
              steps:
                tell-denied: { runs: true }
              not_run: [pause-ads]
            """)
        #expect(report.passed, "\(Self.messages(report.errors + report.failures))")
    }

    @Test func aTimeoutLandsAtTheTimeoutAndDoesWhatOnTimeoutSays() throws {
        let report = try Self.run(
            """
            approvals: { ask-owner: timeout }
            expect:
              steps:
                pause-ads: { offset: 20m, starts_at: "15:59", runs: true }
                after-pause: { offset: 20m }
              not_run: [tell-denied]
            """)
        #expect(report.passed, "\(Self.messages(report.errors + report.failures))")
    }

    @Test func withoutADecisionTheGatedStepDependsAndTheFailureSaysHowToDecide() throws {
        let report = try Self.run(
            """
            expect:
              steps:
                pause-ads: { runs: true }
            """)
        #expect(report.errors.isEmpty)
        #expect(
            Self.messages(report.failures) == [
                "6:24: step 'pause-ads': expected runs: true, but it depends on run-time facts (runs only if 'ask-owner' is approved, which a person decides at run time); decide the approval in the scenario with approvals: { ask-owner: approve } (or deny, timeout)"
            ])
    }

    @Test func approvalsMustNameApproveStepsWithAKnownDecision() throws {
        let report = try Self.run(
            """
            approvals:
              ask-ownr: approve
              pause-ads: approve
              ask-owner: yes
            """)
        #expect(
            Self.messages(report.errors) == [
                "7:14: 'ask-owner' in 'approvals' must be one of 'approve', 'deny', 'timeout', found 'yes'"
            ])
        let unknown = try Self.run(
            """
            approvals:
              ask-ownr: approve
              pause-ads: approve
            """)
        #expect(
            Self.messages(unknown.errors) == [
                "5:3: 'approvals' names unknown step 'ask-ownr'; did you mean 'ask-owner'?",
                "6:3: 'approvals' decides approve steps only, and step 'pause-ads' is a 'pause_ads' step; this playbook's are 'ask-owner'",
            ])
    }

    @Test func approvalsMustBeAMapping() throws {
        let report = try Self.run("approvals: [ask-owner]")
        #expect(Self.messages(report.errors) == ["4:12: 'approvals' must be a mapping of keys to values, found a list"])
    }
}
