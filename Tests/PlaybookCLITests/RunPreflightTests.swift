import Foundation
import PlaybookTestSupport
import Testing

/// What `playbook run` checks and learns before it opens an incident: every `${env.X}` its steps
/// and recovery will use (an unset or too-short one stops it with exit 2, nothing sent), and, for
/// a `platform_down` trigger, which platforms are down now (probed once, as `watch` would).
@Suite struct RunPreflightTests {
    static let playbook = """
        version: 1
        playbook: preflight
        triggers: [{ id: by-hand, manual: {} }]
        channels:
          outbox: { type: file, path: outbox.jsonl }
          x: { type: x, token: "${env.X_TOKEN}" }
          mastodon: { type: mastodon, instance: "https://mastodon.example", token: "${env.MASTODON_TOKEN}", base_url: "http://127.0.0.1:9" }
          ads: { type: meta_ads, ad_account: act_1, access_token: "${env.META_TOKEN}" }
        steps:
          - { id: tell, post: { to: [outbox], text: "We are open" } }
          - { id: speak, post: { to: [x, mastodon], text: "We are open" }, retry: { attempts: 1 }, timeout: 5s }
          - { id: pause, pause_ads: { channel: ads, campaigns: all } }
        recovery:
          - { id: resume, resume_ads: { channel: ads } }

        """

    @Test func unsetTokensStopTheRunBeforeAnythingIsSent() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        let run = try await workspace.run(["run", "p.yaml", "--yes"], environment: ["MASTODON_TOKEN": "masto-token-123"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("refusing to run 'preflight': 2 environment variables are not usable"))
        let x = try #require(run.stderrLines.first { $0.contains("X_TOKEN") })
        #expect(x.contains("not set") && x.contains("channel 'x'") && x.contains("breaks step speak"))
        let meta = try #require(run.stderrLines.first { $0.contains("META_TOKEN") })
        #expect(meta.contains("breaks steps pause, resume (recovery)"))
        #expect(run.stderr.contains("nothing was sent and no incident was opened"))
        #expect(run.stderr.contains("--allow-missing-env"))
        #expect(!run.stderr.contains("MASTODON_TOKEN"), "a set variable is not named")
        #expect(!FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("outbox.jsonl").path), "nothing sent")
        let status = try await workspace.run(["status", "p.yaml"])
        #expect(status.status == 0)
        #expect((status.stdout + status.stderr).contains("no active incidents"), "\(status.stdout)\(status.stderr)")
    }

    @Test func allowMissingEnvRunsTheRestAnyway() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        let run = try await workspace.run(["run", "p.yaml", "--yes", "--allow-missing-env"], environment: ["MASTODON_TOKEN": "masto-token-123"])
        #expect(run.status == 3, "the steps that need the missing tokens fail: \(run.stderr)")
        #expect(run.stderr.contains("warning: running anyway (--allow-missing-env) without 2 environment variables"))
        #expect(run.stderr.contains("tell: succeeded"))
        let outbox = try String(contentsOf: workspace.url.appendingPathComponent("outbox.jsonl"), encoding: .utf8)
        #expect(outbox.split(separator: "\n").count == 1)
    }

    @Test func aCredentialShorterThanFourCharactersIsRefusedWithoutShowingIt() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        let environment = ["X_TOKEN": "q7z", "MASTODON_TOKEN": "masto-token-123", "META_TOKEN": "meta-token-123"]
        let run = try await workspace.run(["run", "p.yaml", "--yes"], environment: environment)
        #expect(run.status == 2)
        let line = try #require(run.stderrLines.first { $0.contains("X_TOKEN") })
        #expect(line.contains("only 3 characters long (a credential needs at least 4)"))
        #expect(!run.stderr.contains("q7z"))
        let empty = try await workspace.run(["run", "p.yaml", "--yes"], environment: environment.merging(["X_TOKEN": ""]) { $1 })
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("X_TOKEN") && empty.stderr.contains("set but empty"))
    }

    @Test func aDryRunOnlyWarns() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook])
        let run = try await workspace.run(["run", "p.yaml", "--dry-run"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warning: a real run would refuse to start until these are set"))
        #expect(run.stdout.contains("speak"))
    }

    /// A platform_down trigger probed once: a failing check makes the platform down, and the
    /// step whose `if` reads `trigger.platforms` runs without any `--set`.
    static func probed(port: Int) -> String {
        """
        version: 1
        playbook: probed
        triggers:
          - id: meta-down
            platform_down:
              platforms: [facebook, instagram]
              checks: [{ http: "http://127.0.0.1:\(port)/platform" }]
              timeout: 2s
            for: 3m
        channels:
          outbox: { type: file, path: outbox.jsonl }
        steps:
          - id: pause-ads
            if: "'instagram' in trigger.platforms"
            post: { to: [outbox], text: "paused for {{ trigger.platform_names }}" }

        """
    }

    @Test func aPlatformDownTriggerIsProbedOnceAndItsFactsDecideTheSteps() async throws {
        try await Sink.with { sink in
            let workspace = try Workspace(["p.yaml": Self.probed(port: sink.port)])
            // The platform answers 503: its one check fails, so both platforms are down.
            let down = try await workspace.run(["run", "p.yaml", "--yes"])
            #expect(down.status == 0, "\(down.stderr)")
            #expect(down.stderr.contains("probing trigger 'meta-down' once"))
            let instagram = try #require(down.stderrLines.first { $0.hasPrefix("  instagram") })
            #expect(instagram.contains("DOWN") && instagram.contains("1/1 checks fail") && instagram.contains("HTTP 503") && instagram.hasSuffix(" s"))
            #expect(down.stderr.contains("trigger.platforms = [facebook, instagram] (Facebook and Instagram)"))
            #expect(down.stderr.contains("pause-ads: succeeded"))
            let outbox = try String(contentsOf: workspace.url.appendingPathComponent("outbox.jsonl"), encoding: .utf8)
            #expect(outbox.contains("paused for Facebook and Instagram"))
        }
    }

    @Test func platformsThatAnswerAreUpAndTheStepIsSkippedWithAWord() async throws {
        try await Sink.with { sink in
            try Data().write(to: sink.directory.appendingPathComponent("up"))
            let workspace = try Workspace(["p.yaml": Self.probed(port: sink.port)])
            let up = try await workspace.run(["run", "p.yaml", "--yes"])
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stderrLines.contains { $0.hasPrefix("  facebook") && $0.contains(" up ") })
            #expect(up.stderr.contains("no platform looks down now"))
            #expect(up.stderr.contains("pause-ads: skipped"))
        }
    }

    @Test func noProbeCountsEveryListedPlatformAsDown() async throws {
        // Port 9 (discard) is never probed: --no-probe sends nothing.
        let workspace = try Workspace(["p.yaml": Self.probed(port: 9)])
        let run = try await workspace.run(["run", "p.yaml", "--yes", "--no-probe"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("probing"))
        #expect(run.stderr.contains("not probed (--no-probe)"))
        #expect(run.stderr.contains("pause-ads: succeeded"))
    }

    @Test func setDecidesInsteadOfTheProbeAndPlanNeverProbes() async throws {
        let workspace = try Workspace(["p.yaml": Self.probed(port: 9)])
        let run = try await workspace.run(["run", "p.yaml", "--yes", "--set", "trigger.platforms=facebook"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("probing"))
        #expect(run.stderr.contains("pause-ads: skipped"))
        let plan = try await workspace.run(["plan", "p.yaml", "--format", "json"])
        #expect(!plan.stderr.contains("probing"))
        #expect(plan.stdout.contains(#""will_run": null"#), "\(plan.stdout)")
    }
}

/// The loopback peer of Support/sink.py: `GET /platform` answers 503 until DIR/up exists.
struct Sink {
    let port: Int
    let directory: URL

    static func with(_ body: (Sink) async throws -> Void) async throws {
        let directory = TestScratch.root.appendingPathComponent("playbook-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, port) = try await start(in: directory)
        defer { process.signal(SIGKILL) }
        try await body(Sink(port: port, directory: directory))
    }

    /// Starts Support/sink.py serving `directory`; the child and the port it listens on.
    static func start(in directory: URL) async throws -> (ChildProcess, Int) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/sink.py").path
        let portPipe = Pipe()
        let process = try ChildProcess(
            "/usr/bin/env", ["python3", script, directory.path], environment: ProcessInfo.processInfo.environment, standardOutput: portPipe)
        let portLine = String(decoding: await firstOutput(of: portPipe), as: UTF8.self)
        let port = try #require(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)), "sink.py printed no port: '\(portLine)'")
        return (process, port)
    }
}
