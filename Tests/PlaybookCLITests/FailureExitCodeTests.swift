import Foundation
import Testing

/// The exit code of `run` and `recover` as a shop owner reads it: 3 only when a step failed that
/// was allowed to fail the run; 0 when the only failures had `continue_on_error: true`, and when a
/// `run` finds the incident's steps all ended (it says so and points to `recover`).
@Suite struct FailureExitCodeTests {
    /// A playbook whose `crm` call fails (nothing listens on port 9), with or without
    /// `continue_on_error`, and a step after it that still runs.
    static func playbook(continueOnError: Bool) -> String {
        """
        version: 1
        playbook: crm-down
        triggers: [{ id: manual, manual: {} }]
        channels: { crm: { type: webhook, url: "http://127.0.0.1:9/hook" } }
        steps:
          - { id: crm, retry: { attempts: 1 }, timeout: 3s, continue_on_error: \(continueOnError), webhook: { channel: crm, body: { text: down } } }
          - { id: note, after: [crm], log: { message: "crm called" } }
        """
    }

    @Test(arguments: [true, false]) func onlyAFailureThatMayFailTheRunExitsThree(continueOnError: Bool) async throws {
        let workspace = try Workspace(["crm.yaml": Self.playbook(continueOnError: continueOnError)])
        let run = try await workspace.run(["run", "crm.yaml", "--yes"])
        #expect(run.status == (continueOnError ? 0 : 3), "\(run.stderr)")
        #expect(run.stderr.contains("crm: failed"))
        #expect(run.stderr.contains("note: succeeded"))
    }

    @Test func runningAgainAnIncidentWhoseStepsAllEndedOpensNothingAndSuggestsRecover() async throws {
        let workspace = try Workspace(["crm.yaml": Self.playbook(continueOnError: false)])
        #expect(try await workspace.run(["run", "crm.yaml", "--yes"]).status == 3)
        let again = try await workspace.run(["run", "crm.yaml", "--yes"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("no new incident"), "\(again.stderr)")
        #expect(again.stderr.contains("playbook recover"), "\(again.stderr)")
        let history = try await workspace.run(["history", "crm.yaml", "--format", "json"])
        let incidents = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(incidents.count == 1)
    }
}
