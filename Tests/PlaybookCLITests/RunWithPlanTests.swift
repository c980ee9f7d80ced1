import Foundation
import Testing

/// `plan --out` then `run --plan`: the reviewed plan runs as it was made, a plan whose playbook
/// changed is refused (exit 1) with the change named and nothing sent, and a plan file that
/// cannot be read is a usage error (exit 2).
@Suite struct RunWithPlanTests {
    static let playbook = """
        version: 1
        playbook: reviewed
        triggers: [{ id: by-hand, manual: {} }, { id: other, manual: {} }]
        channels: { outbox: { type: file, path: outbox.jsonl } }
        steps: [{ id: tell, post: { to: [outbox], text: "We are open" } }]

        """

    static func outboxLines(_ workspace: borrowing Workspace) -> Int {
        let text = try? String(contentsOf: workspace.url.appendingPathComponent("outbox.jsonl"), encoding: .utf8)
        return text?.split(separator: "\n").count ?? 0
    }

    @Test func theReviewedPlanRunsWithItsOwnTrigger() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        let plan = try await workspace.run(["plan", "p.yaml", "--trigger", "other", "--out", "plan.json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("plan written to plan.json"))
        // Two triggers and no --trigger: without a plan this would be refused off a terminal.
        let run = try await workspace.run(["run", "p.yaml", "--plan", "plan.json", "--yes"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.outboxLines(workspace) == 1)
    }

    @Test func aPlanWhosePlaybookChangedIsRefusedAndNothingIsSent() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        #expect(try await workspace.run(["plan", "p.yaml", "--out", "plan.json"]).status == 0)
        try (Self.playbook + "# edited after review\n").write(to: workspace.url.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let run = try await workspace.run(["run", "p.yaml", "--plan", "plan.json", "--yes", "--trigger", "other"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                """
                playbook: refusing to run: the plan plan.json no longer matches:
                  - the playbook file changed since the plan was made
                  - the trigger is 'other', the plan was made for 'by-hand'

                """), "\(run.stderr)")
        #expect(Self.outboxLines(workspace) == 0)
    }

    @Test func aPlanFileThatCannotBeReadIsAUsageError() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        let run = try await workspace.run(["run", "p.yaml", "--plan", "missing.json", "--yes"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cannot read plan file 'missing.json'"), "\(run.stderr)")
    }
}
