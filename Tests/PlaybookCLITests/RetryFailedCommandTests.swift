import Foundation
import PlaybookTestSupport
import Testing

/// `run --retry-failed` from the command line: a run that fails says how to send again what
/// failed, and once the cause is fixed that sends the failed deliveries and nothing else.
@Suite struct RetryFailedCommandTests {
    static let playbook = """
        version: 1
        playbook: retry-file
        triggers: [{ id: manual, manual: {} }]
        channels: { outbox: { type: file, path: outbox.jsonl } }
        audience: { contacts: contacts.csv, segments: { all: "true" } }
        steps:
          - { id: tell, retry: { attempts: 1 }, notify: { segment: all, via: [outbox], message: { text: "Hi {{ contact.name }}" } } }
        """
    static let contacts = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale\nc1,Ann,ann@example.com,,,true,false,Europe/Rome,it\nc2,Bob,bob@example.com,,,true,false,Europe/Rome,en\n"

    @Test func aFailedRunSaysHowToRetryAndTheRetrySendsOnlyWhatFailed() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook, "contacts.csv": Self.contacts])
        // The outbox cannot be written while a directory stands in its place.
        let outbox = workspace.url.appendingPathComponent("outbox.jsonl")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: false)
        let failed = try await workspace.run(["run", "p.yaml", "--yes"])
        #expect(failed.status == 3, "\(failed.stderr)")
        #expect(failed.stderr.contains("once the cause is fixed, the same command with --retry-failed sends again only what failed\n"))

        let plain = try await workspace.run(["run", "p.yaml", "--yes"])
        #expect(plain.status == 0)
        #expect(plain.stderr.contains("no new incident is opened"))

        try FileManager.default.removeItem(at: outbox)
        let retried = try await workspace.run(["run", "p.yaml", "--yes", "--retry-failed"])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stderr.contains("tell: retrying: 2 failed deliveries go out again (nothing already sent is repeated)"))
        #expect(!retried.stderr.contains("--retry-failed sends again"))
        let lines = try String(contentsOf: outbox, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)

        let again = try await workspace.run(["run", "p.yaml", "--yes", "--retry-failed"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("has no failed step to retry"))
        #expect(try String(contentsOf: outbox, encoding: .utf8).split(separator: "\n").count == 2)
    }

    @Test func retryingWhatNeverRanIsAOneLineUsageError() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook, "contacts.csv": Self.contacts])
        let none = try await workspace.run(["run", "p.yaml", "--yes", "--retry-failed"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("playbook 'retry-file' has no active incident, so nothing to retry (without --retry-failed, run opens a new incident)"))
        #expect(!FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("outbox.jsonl").path))
        let dry = try await workspace.run(["run", "p.yaml", "--dry-run", "--retry-failed"])
        #expect(dry.status == 2)
        #expect(dry.stderr.contains("--retry-failed sends again what a real run failed to send; it cannot be combined with --dry-run"))
        let recover = try await workspace.run(["recover", "p.yaml", "--retry-failed"])
        #expect(recover.status == 2)
        #expect(recover.stderr.contains("nothing to retry"))
    }
}

/// One process at a time runs a playbook on an SQLite state (`RunLock`): a second `run`,
/// `recover` or `watch` beside one that is running would send the same incident twice.
@Suite struct RunLockCommandTests {
    @Test func aSecondRunBesideARunningOneIsRefusedAndSendsNothing() async throws {
        let workspace = try Workspace(["p.yaml": RetryFailedCommandTests.playbook, "contacts.csv": RetryFailedCommandTests.contacts])
        let state = workspace.url.appendingPathComponent(".playbook")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        // Another process holds the playbook's run lock (flock on the file beside the database).
        let holding = """
            import fcntl, os, sys, time
            f = open(sys.argv[1], "a+"); fcntl.flock(f, fcntl.LOCK_EX)
            f.truncate(0); f.write("pid %d, 'playbook run' since 2026-12-06T02:20:00Z" % os.getpid()); f.flush()
            print(os.getpid(), flush=True); time.sleep(120)
            """
        let output = Pipe()
        let holder = try ChildProcess(
            "/usr/bin/env", ["python3", "-c", holding, state.appendingPathComponent("run-retry-file.lock").path],
            environment: ProcessInfo.processInfo.environment, standardOutput: output)
        let pid = String(decoding: await firstOutput(of: output), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        for command in [["run", "p.yaml", "--yes"], ["recover", "p.yaml"], ["watch", "p.yaml"]] {
            let refused = try await workspace.run(command)
            #expect(refused.status == 2, "\(command): \(refused.stderr)")
            #expect(
                refused.stderr.contains(
                    "playbook 'retry-file' is being run by another process (pid \(pid), 'playbook run' since 2026-12-06T02:20:00Z); "
                        + "two at once would send its messages twice. Let that one finish, or stop it (Ctrl-C: what it has sent is journaled), then run this again"),
                "\(command): \(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("outbox.jsonl").path))

        // The holder ends (as a killed run does): the kernel releases the lock, the next run goes.
        holder.signal(SIGKILL)
        _ = try await holder.waitForExit(within: 30)
        let run = try await workspace.run(["run", "p.yaml", "--yes"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOf: workspace.url.appendingPathComponent("outbox.jsonl"), encoding: .utf8).split(separator: "\n").count == 2)
    }

    /// A watcher takes each playbook's lock once: two files naming the same playbook are refused
    /// for that, not as a run of another process.
    @Test func aWatcherOfTwoPlaybooksOfOneNameSaysSoNotThatItIsRunningElsewhere() async throws {
        let hooked = """
            version: 1
            playbook: same
            triggers: [{ id: hook, webhook: { path: /hooks/same } }]
            channels: { out: { type: file, path: out.jsonl } }
            steps: [{ id: s, post: { to: [out], text: hi } }]
            """
        let workspace = try Workspace(["a.yaml": hooked, "b.yaml": hooked])
        let watch = try await workspace.run(["watch", "a.yaml", "b.yaml"])
        #expect(watch.status != 0)
        #expect(watch.stderr.contains("two playbooks are named 'same'"), "\(watch.stderr)")
        #expect(!watch.stderr.contains("being run by another process"))
    }
}
