import Foundation
import Testing

/// `validate --env`: every `${env.X}` must be set, and a secret's value never appears in output.
@Suite struct EnvironmentCheckTests {
    static let name = "PLAYBOOK_CLI_TEST_TOKEN"
    static let secret = "s3cr3t-Value-4242-never-print-me"

    @Test func unsetVariableIsAnErrorAtItsUse() async throws {
        let workspace = try Workspace(["secret.yaml": CLIFixtures.usesSecret])
        let run = try await workspace.run(["validate", "--env", "secret.yaml"])
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderrLines == ["secret.yaml:7:24: error: environment variable '\(Self.name)' is not set", "1 of 1 playbook invalid"])
    }

    @Test func unsetVariableIsFineWithoutTheFlag() async throws {
        let workspace = try Workspace(["secret.yaml": CLIFixtures.usesSecret])
        let run = try await workspace.run(["validate", "secret.yaml"])
        #expect(run.status == 0)
        #expect(run.stderr == "1 playbook valid\n")
    }

    @Test(arguments: ["text", "github", "json"])
    func setVariablePassesAndItsValueIsNeverPrinted(_ format: String) async throws {
        let workspace = try Workspace(["secret.yaml": CLIFixtures.usesSecret])
        let run = try await workspace.run(["validate", "--env", "--format", format, "secret.yaml"], environment: [Self.name: Self.secret])
        #expect(run.status == 0)
        #expect(!run.stdout.contains(Self.secret))
        #expect(!run.stderr.contains(Self.secret))
        #expect(run.stderr == (format == "text" ? "1 playbook valid\n" : ""))
    }

    /// Even when the playbook is invalid for another reason, the set secret stays out of the output.
    @Test func secretStaysHiddenWhenOtherChecksFail() async throws {
        let broken = CLIFixtures.usesSecret.replacingOccurrences(of: "to: [x]", with: "to: [x, y]")
        let workspace = try Workspace(["secret.yaml": broken])
        for format in ["text", "github", "json"] {
            let run = try await workspace.run(["validate", "--env", "--format", format, "secret.yaml"], environment: [Self.name: Self.secret])
            #expect(run.status == 1)
            #expect(!(run.stdout + run.stderr).contains(Self.secret))
            #expect((run.stdout + run.stderr).contains("unknown channel 'y'"))
        }
    }

    /// A webhook step's `url: "${env.X}"` is checked like a channel's fields: unset, an error at
    /// the step; set, valid, and its value (the whole URL is the secret) never printed.
    @Test func aWebhookStepsURLIsCheckedAndNeverPrinted() async throws {
        let playbook = """
            version: 1
            playbook: hook
            triggers:
              - id: by-hand
                manual: {}
            steps:
              - id: ping
                webhook: { url: "${env.\(Self.name)}", body: { event: outage } }

            """
        let workspace = try Workspace(["hook.yaml": playbook])
        let unset = try await workspace.run(["validate", "--env", "hook.yaml"])
        #expect(unset.status == 1)
        #expect(unset.stderrLines == ["hook.yaml:8:21: error: environment variable '\(Self.name)' is not set", "1 of 1 playbook invalid"])
        let url = "https://hooks.example.com/\(Self.secret)"
        for command in [["validate", "--env", "hook.yaml"], ["plan", "hook.yaml"], ["plan", "hook.yaml", "--format", "json"]] {
            let run = try await workspace.run(command, environment: [Self.name: url])
            #expect(run.status == 0, "\(command): \(run.stderr)")
            #expect(!(run.stdout + run.stderr).contains(Self.secret), "\(command)")
        }
    }
}
