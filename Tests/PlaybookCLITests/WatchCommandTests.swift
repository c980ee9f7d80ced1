import Foundation
import PlaybookTestSupport
import Testing

/// `playbook watch` as a service manager runs it: refuses to start on a playbook it cannot
/// watch, logs JSON lines when not on a terminal, fires, and exits 0 on SIGTERM — and a second
/// start picks up the incident instead of opening another.
@Suite struct WatchCommandTests {
    static let refused = """
        version: 1
        playbook: refused
        triggers:
          - id: down
            platform_down:
              platforms: [shopify]
              checks: [{ http: "http://127.0.0.1:1/" }]
              every: 10s
              timeout: 1s
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - id: tell
            post: { to: [out], text: "{{ trigger.platform_names }} is down" }
        """

    @Test func refusesToStartOnAnInvalidPlaybook() async throws {
        let workspace = try Workspace(["good.yaml": Self.refused, "bad.yaml": "version: 1\nplaybook: bad\ntriggers: []\nsteps: []\n"])
        let run = try await workspace.run(["watch", "."])
        #expect(run.status == 1)
        #expect(run.stderr.contains("bad.yaml:3:"))
        #expect(run.stderr.contains("refusing to start: 1 of 2 playbooks cannot be watched"))
    }

    @Test func refusesToStartWithoutTheSecretsItNeeds() async throws {
        let workspace = try Workspace([
            "p.yaml": """
            version: 1
            playbook: p
            sources: { web: { type: json, url: "https://stats.example/${env.STATS_TOKEN}", field: visitors } }
            triggers:
              - { id: drop, traffic_drop: { source: web, drop: 50%, baseline: { fixed: 100 } } }
            steps: [{ id: s, log: { message: x } }]
            """
        ])
        let run = try await workspace.run(["watch", "p.yaml"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("p.yaml:3:36: error: environment variable 'STATS_TOKEN' is not set (source 'web' needs it to watch)"), "\(run.stderr)")
    }

    /// A credential shorter than 4 characters is a mistake and too short to be masked in logs:
    /// watch refuses to start on it (a webhook trigger's secret, a channel's token), never showing it.
    @Test func refusesToStartOnACredentialTooShortToBeASecret() async throws {
        let workspace = try Workspace([
            "p.yaml": """
            version: 1
            playbook: p
            triggers:
              - { id: hook, webhook: { path: /hooks/p, secret: "${env.HOOK_SECRET}" } }
            channels:
              x: { type: x, token: "${env.X_TOKEN}" }
            steps: [{ id: s, post: { to: [x], text: "hi" } }]
            """
        ])
        let run = try await workspace.run(["watch", "p.yaml"], environment: ["HOOK_SECRET": "k9q", "X_TOKEN": "zz"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("p.yaml:4:52: error: environment variable 'HOOK_SECRET' is only 3 characters long (a credential needs at least 4) (webhook trigger 'hook' needs it to watch)"), "\(run.stderr)")
        #expect(run.stderr.contains("environment variable 'X_TOKEN' is only 2 characters long"))
        #expect(!run.stderr.contains("k9q") && !run.stderr.contains(": zz"))
    }

    static let hooked = """
        version: 1
        playbook: hooks
        triggers:
          - { id: signed, webhook: { path: /hooks/signed, secret: "${env.HOOK_SECRET}" } }
          - { id: open, webhook: { path: /hooks/open } }
        steps: [{ id: s, log: { message: x } }]
        """

    @Test func anEmptySecretIsRefusedAtStart() async throws {
        let workspace = try Workspace(["p.yaml": Self.hooked])
        // (Were it to start, it would be stopped once watching.)
        let run = try await Self.watchUntil(
            #""event":"watch_started""#, in: workspace.url, arguments: ["p.yaml", "--state", "state"], environment: ["HOOK_SECRET": ""])
        // Refused by the start-up check of credentials (exit 1, at its line), before the watcher's
        // own refusal of an empty secret (exit 2) is reached.
        #expect(run.status == 1, "\(run.log)")
        #expect(run.log.contains("p.yaml:4:59: error: environment variable 'HOOK_SECRET' is set but empty"), "\(run.log)")
        #expect(!run.log.contains("watch_started"))
    }

    @Test func unsignedWebhookTriggersListeningBeyondLoopbackAreWarnedAbout() async throws {
        let workspace = try Workspace(["p.yaml": Self.hooked])
        let wide = try await Self.watchUntil(
            #""event":"watch_started""#, in: workspace.url, arguments: ["p.yaml", "--state", "state", "--listen", "0.0.0.0:0"],
            environment: ["HOOK_SECRET": "k3y-for-tests"])
        #expect(wide.status == 0, "\(wide.log)")
        let warning = try #require(Self.events(wide.log).first { $0["event"] as? String == "webhook_unsigned" }, "\(wide.log)")
        #expect((warning["message"] as? String)?.contains("/hooks/open takes unsigned requests") == true)
        #expect(!wide.log.contains("k3y-for-tests"))
        let narrow = try await Self.watchUntil(
            #""event":"watch_started""#, in: workspace.url, arguments: ["p.yaml", "--state", "state", "--listen", "127.0.0.1:0"],
            environment: ["HOOK_SECRET": "k3y-for-tests"])
        #expect(narrow.status == 0, "\(narrow.log)")
        #expect(!narrow.log.contains("webhook_unsigned"))
    }

    @Test func aBadListenAddressIsAUsageError() async throws {
        let workspace = try Workspace(["p.yaml": Self.refused])
        let run = try await workspace.run(["watch", "p.yaml", "--listen", "localhost"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("is not HOST:PORT"))
    }

    /// Starts `playbook watch`, waits until its log holds `marker` (or it exits), lingers, sends
    /// SIGTERM, and returns the exit status and log. Awaits without holding a thread of the pool
    /// the other tests share; a watch that never logs `marker` fails the test after 60 s.
    static func watchUntil(
        _ marker: String, linger: Double = 0, in directory: URL, arguments: [String], environment: [String: String] = [:]
    ) async throws -> (status: Int32, log: String) {
        let log = try OutputFile(in: directory, "watch-log")
        let process = try ChildProcess(
            try PlaybookBinary.path.get(), ["watch"] + arguments, in: directory,
            environment: PlaybookBinary.baseEnvironment.merging(environment) { _, new in new }, standardError: log.handle)
        let seen = await eventually(within: 60) { process.hasExited || log.text.contains(marker) }
        if !seen { Issue.record("`\(process.command)` did not log \(marker) within 60 s: \(log.text)") }
        if linger > 0 { try await Task.sleep(nanoseconds: UInt64(linger * 1e9)) }
        process.signal(SIGTERM)
        let status = try await process.waitForExit(within: 60)
        return (status, log.text)
    }

    static func events(_ log: String) -> [[String: Any]] {
        log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func firesLogsJSONStopsOnSIGTERMAndPicksUpWhereItStopped() async throws {
        let workspace = try Workspace(["shop.yaml": Self.refused])
        let first = try await Self.watchUntil(#""event":"steps_finished""#, in: workspace.url, arguments: ["shop.yaml", "--state", "state"])
        #expect(first.status == 0, "\(first.log)")
        let events = Self.events(first.log)
        #expect(!events.isEmpty && events.count == first.log.split(separator: "\n").filter { $0.hasPrefix("{") }.count)
        let names = events.compactMap { $0["event"] as? String }
        for expected in ["watch_started", "platform_down", "trigger_holds", "trigger_fired", "incident_opened", "step_finished", "watch_stopped"] {
            #expect(names.contains(expected), "no \(expected) in \(names)")
        }
        let outbox = try String(contentsOf: workspace.url.appendingPathComponent("out.jsonl"), encoding: .utf8)
        #expect(outbox.split(separator: "\n").count == 1)
        #expect(outbox.contains(#""text":"Shopify is down""#))

        // Still down: it observes at once (a saved state is picked up if it is younger than
        // 3 × every + timeout, 31 s: wide enough for a machine busy with other tests) and does not
        // fire again. The linger only widens what is checked: a busy machine makes it weaker, never wrong.
        let second = try await Self.watchUntil(#""event":"platform_down""#, linger: 2.5, in: workspace.url, arguments: ["shop.yaml", "--state", "state"])
        #expect(second.status == 0, "\(second.log)")
        let again = Self.events(second.log).compactMap { $0["event"] as? String }
        #expect(again.contains("state_restored"))
        #expect(again.filter { $0 == "incident_resumed" }.count == 1)
        #expect(!again.contains("trigger_fired"))
        #expect(!again.contains("incident_opened"))
        #expect(try String(contentsOf: workspace.url.appendingPathComponent("out.jsonl"), encoding: .utf8).split(separator: "\n").count == 1)
    }
}
