import Foundation
import PlaybookTestSupport
import Testing

/// `playbook run`, `recover`, `status`, `history` as a user meets them: outputs, exit codes,
/// and no secret anywhere.
@Suite struct RunCommandTests {
    static let secret = "tok_SECRET_4f9a2c77"

    static let playbook = """
        version: 1
        playbook: secrets
        triggers: [{ id: manual, manual: {} }]
        channels:
          hook: { type: webhook, url: "http://127.0.0.1:9/hook?token=${env.HOOK_TOKEN}", secret: "${env.HOOK_TOKEN}" }
          outbox: { type: file, path: outbox.jsonl }
        audience: { contacts: contacts.csv, segments: { all: "true" } }
        steps:
          - { id: tell, notify: { segment: all, via: [outbox], message: { text: "Hi {{ contact.name }}" } } }
          - { id: crm, retry: { attempts: 1 }, timeout: 3s, webhook: { channel: hook, body: { text: "down" } } }
          - { id: note, log: { message: "done" } }
        recovery:
          - { id: back, post: { to: [outbox], text: "back" } }
        """
    static let contacts = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale\nc1,Ann,ann@example.com,,vip,true,false,Europe/Rome,it\nc2,Bob,bob@example.com,,,true,false,Europe/Rome,en\n"

    @Test func aFailedStepExitsThreeAndNoSecretLeaksAnywhere() async throws {
        let workspace = try Workspace(["secrets.yaml": Self.playbook, "contacts.csv": Self.contacts])
        let environment = ["HOOK_TOKEN": Self.secret]
        let run = try await workspace.run(["run", "secrets.yaml", "--yes"], environment: environment)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("crm: failed"))
        #expect(run.stderr.contains("cannot reach http://127.0.0.1:9"))
        let status = try await workspace.run(["status", "secrets.yaml", "--format", "json"], environment: environment)
        #expect(status.status == 0)
        let incidents = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
        let steps = try #require(incidents.first?["steps"] as? [[String: Any]])
        #expect(Dictionary(uniqueKeysWithValues: steps.map { ($0["id"] as! String, $0["status"] as! String) }) == ["tell": "succeeded", "crm": "failed", "note": "succeeded"])
        let tell = try #require(steps.first { $0["id"] as? String == "tell" })
        #expect((tell["deliveries"] as? [String: Int])?["sent"] == 2)
        let plan = try await workspace.run(["plan", "secrets.yaml", "--format", "json"], environment: environment)
        let validate = try await workspace.run(["validate", "secrets.yaml", "--env"], environment: environment)
        let recover = try await workspace.run(["recover", "secrets.yaml"], environment: environment)
        #expect(recover.status == 0)
        let history = try await workspace.run(["history", "secrets.yaml"], environment: environment)
        #expect(history.stdout.contains("finished"))
        for output in [run, status, plan, validate, recover, history] {
            #expect(!output.stdout.contains(Self.secret) && !output.stderr.contains(Self.secret))
        }
        let state = workspace.url.appendingPathComponent(".playbook")
        for file in try FileManager.default.contentsOfDirectory(atPath: state.path) {
            let bytes = try Data(contentsOf: state.appendingPathComponent(file))
            #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "the secret is in \(file)")
        }
        let outbox = try String(contentsOf: workspace.url.appendingPathComponent("outbox.jsonl"), encoding: .utf8)
        #expect(outbox.split(separator: "\n").count == 3)
    }

    @Test func anUnsetVariableFailsThatChannelWithItsName() async throws {
        let workspace = try Workspace(["secrets.yaml": Self.playbook, "contacts.csv": Self.contacts])
        // Without --allow-missing-env the run refuses up front (RunPreflightTests); with it, only
        // the channel that needs the variable fails, naming it.
        let run = try await workspace.run(["run", "secrets.yaml", "--yes", "--allow-missing-env"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("environment variable 'HOOK_TOKEN' is not set"))
    }

    @Test func severalTriggersWithoutATerminalRefuse() async throws {
        let workspace = try Workspace(["two.yaml": """
            version: 1
            playbook: two
            triggers: [{ id: a, manual: {} }, { id: b, manual: {} }]
            steps: [{ id: s, log: { message: x } }]
            """])
        let run = try await workspace.run(["run", "two.yaml", "--yes"])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("playbook: error: the playbook has 2 triggers (a, b); choose one with --trigger"))
        #expect(try await workspace.run(["run", "two.yaml", "--yes", "--trigger", "b"]).status == 0)
    }

    @Test func interruptFinishesInFlightWorkAndExits130ThenResumes() async throws {
        let workspace = try Workspace(["slow.yaml": """
            version: 1
            playbook: slow
            triggers: [{ id: t, manual: {} }]
            steps:
              - { id: first, log: { message: started } }
              - { id: hold, wait: { for: 1h } }
            """])
        let errors = try OutputFile(in: workspace.url, "stderr")
        let process = try ChildProcess(
            try PlaybookBinary.path.get(), ["run", "slow.yaml", "--yes"], in: workspace.url, environment: PlaybookBinary.baseEnvironment,
            standardError: errors.handle)
        // Wait for the first step to be journaled, then interrupt.
        for _ in 0..<300 {
            let status = try await workspace.run(["status", "slow.yaml"])
            if status.stdout.contains("first: succeeded") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        process.signal(SIGINT)
        let exitStatus = try await process.waitForExit(within: 60)
        let stderr = errors.text
        #expect(exitStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted"))
        let status = try await workspace.run(["status", "slow.yaml", "--format", "json"])
        let incidents = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
        #expect(incidents.count == 1)
        #expect(incidents.first?["status"] as? String == "active")
    }
}
