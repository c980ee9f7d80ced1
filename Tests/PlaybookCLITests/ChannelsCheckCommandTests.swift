import Foundation
import Testing

/// `playbook channels check FILE`: one line per channel on stdout, a count on stderr, exit 1
/// when any channel failed — and never a secret in the output.
@Suite struct ChannelsCheckCommandTests {
    static let token = "7123456789:AAcheckCommandSecretToken-xyz"

    static let playbook = """
        version: 1
        playbook: channels
        triggers:
          - id: by-hand
            manual: {}
        channels:
          outbox: { type: file, path: out/outbox.jsonl }
          team: { type: slack, webhook_url: "https://hooks.slack.com/services/T1/B2/secret" }
        steps:
          - id: tell
            post: { to: [outbox, team], text: "We are on it." }

        """

    /// A Telegram channel whose API is a closed loopback port: the check fails to connect.
    static let unreachable = """
        version: 1
        playbook: channels
        triggers:
          - id: by-hand
            manual: {}
        channels:
          outbox: { type: file, path: outbox.jsonl }
          telegram: { type: telegram, bot_token: "${env.CHECK_TELEGRAM_TOKEN}", chat_id: "@shop", base_url: "http://127.0.0.1:9" }
          x: { type: x, token: "${env.CHECK_UNSET_X_TOKEN}" }
        steps:
          - id: tell
            post: { to: [outbox, telegram, x], text: "We are on it." }

        """

    @Test func okAndNotCheckedExitZero() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        let run = try await workspace.run(["channels", "check", "p.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("outbox (file)") == true && lines.first?.contains("OK") == true)
        #expect(lines.last?.hasPrefix("team (slack)") == true && lines.last?.contains("NOT CHECKED") == true)
        #expect(run.stderr == "1 ok, 0 failed, 1 not checked\n")
    }

    @Test func failuresExitOneWithoutSecrets() async throws {
        let workspace = try Workspace(["p.yaml": Self.unreachable])
        let run = try await workspace.run(["channels", "check", "p.yaml"], environment: ["CHECK_TELEGRAM_TOKEN": Self.token])
        #expect(run.status == 1, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.contains { $0.hasPrefix("telegram (telegram)") && $0.contains("FAILED") && $0.contains("cannot reach http://127.0.0.1:9") })
        #expect(lines.contains { $0.hasPrefix("x (x)") && $0.contains("FAILED") && $0.contains("CHECK_UNSET_X_TOKEN") })
        #expect(!(run.stdout + run.stderr).contains(Self.token))
        #expect(!(run.stdout + run.stderr).contains("AAcheckCommandSecretToken"))
        #expect(run.stderr == "1 ok, 2 failed, 0 not checked\n")
    }

    @Test func onlyTheNamedChannel() async throws {
        let workspace = try Workspace(["p.yaml": Self.unreachable])
        let run = try await workspace.run(["channels", "check", "p.yaml", "--channel", "outbox"])
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n").count == 1)
        let unknown = try await workspace.run(["channels", "check", "p.yaml", "--channel", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown channel 'nope'"))
    }
}
