import Foundation
import Synchronization
import Testing

/// `validate`, `plan` and `test` on contacts files as a user has them: every row checked and
/// located, nothing of the file echoed beyond one field, no fifo or device ever waited on, and
/// scenario tests reading no data file at all.
@Suite struct ContactsCommandTests {
    static let header = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale"

    static func playbook(contacts: String = "contacts.csv", extra: String = "") -> String {
        """
        version: 1
        playbook: shop
        triggers: [{ id: t, manual: {} }]
        channels:
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
        audience: { contacts: \(contacts), segments: { all: "true" } }
        \(extra)
        steps:
          - { id: tell, notify: { segment: all, via: [mail, sms], message: { text: "Hi {{ contact.name }}" } } }
        """
    }

    @Test func anUnknownConsentValueIsAnErrorAtItsLineAndColumn() async throws {
        let workspace = try Workspace([
            "p.yaml": Self.playbook(),
            "contacts.csv": "\(Self.header)\nc1,Ada,ada@example.com,+393330000001,,true,true,,\nc2,Ben,bad-address,+393330000002,,maybe,true,,\n",
        ])
        let run = try await workspace.run(["validate", "p.yaml"])
        #expect(run.status == 1)
        #expect(
            run.stderrLines == [
                "contacts.csv:3:8: warning: invalid email 'bad-address': this contact gets no email; its other channels still apply",
                "contacts.csv:3:35: error: consent_email value 'maybe' is not one of true, yes, 1, false, no, 0 (an empty cell means no consent); this contact gets no email",
                "1 of 1 playbook invalid",
            ])
    }

    @Test func twentyFiveBadRowsShowTwentyErrorsThenACount() async throws {
        let rows = (1...25).map { String(format: "c%02d,P,p@example.com,,,nope,false,,", $0) }
        let workspace = try Workspace(["p.yaml": Self.playbook(), "contacts.csv": ([Self.header] + rows).joined(separator: "\n") + "\n"])
        let run = try await workspace.run(["validate", "p.yaml"])
        #expect(run.status == 1)
        let lines = run.stderrLines
        #expect(lines.count == 22)
        #expect(lines.prefix(20).enumerated().allSatisfy { $0.element.hasPrefix("contacts.csv:\($0.offset + 2):23: error: consent_email value 'nope'") })
        #expect(lines.dropFirst(20).first == "contacts.csv:21:24: error: 5 more errors in this contacts file after this line")
    }

    /// A contacts path that names a file of secrets: its header is never printed, in any format.
    @Test(arguments: ["text", "github", "json"])
    func aFileOfSecretsIsNeverEchoed(_ format: String) async throws {
        let secrets = "SMTP_PASSWORD=hunter2-secret-value\nAPI_TOKEN=tok-0123456789\nHOME=/root\n"
        let workspace = try Workspace([
            "p.yaml": Self.playbook(contacts: "env.txt", extra: "sources: { replay: { type: csv, path: env.txt } }"),
            "env.txt": secrets,
        ])
        let run = try await workspace.run(["validate", "--format", format, "p.yaml"])
        #expect(run.status == 1)
        let output = run.stdout + run.stderr
        for secret in ["hunter2", "SMTP_PASSWORD", "tok-0123", "API_TOKEN", "/root"] { #expect(!output.contains(secret), "\(format): \(output)") }
        #expect(output.contains("has no 'id' column"))
        #expect(output.contains("lacks columns 'time', 'value' in its header"))
    }

    @Test func aFileWithNULBytesIsRefusedAsNotText() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook()])
        try Data("id,name\nc1,SECRET\0tail\n".utf8).write(to: workspace.url.appendingPathComponent("contacts.csv"))
        let run = try await workspace.run(["validate", "p.yaml"])
        #expect(run.status == 1)
        #expect(run.stderrLines == ["contacts.csv:1:1: error: is not text: it contains a NUL byte (at byte 18)", "1 of 1 playbook invalid"])
    }

    @Test func anSQLiteDatabaseIsCheckedByItsContentWhateverItsName() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook(), "q.yaml": Self.playbook(contacts: "people.db"), "r.yaml": Self.playbook(contacts: "ids.db")])
        try await Self.sqlite(
            workspace.url.appendingPathComponent("contacts.csv").path,
            """
            CREATE TABLE contacts (id TEXT, email TEXT, consent_email TEXT);
            INSERT INTO contacts VALUES ('1', 'a@example.com', 'true'), ('2', 'b@example.com', 'sometimes');
            """)
        try await Self.sqlite(workspace.url.appendingPathComponent("people.db").path, "CREATE TABLE people (id TEXT);")
        try await Self.sqlite(workspace.url.appendingPathComponent("ids.db").path, "CREATE TABLE contacts (ident TEXT, email TEXT);")
        let run = try await workspace.run(["validate", "p.yaml", "q.yaml", "r.yaml"])
        #expect(run.status == 1)
        #expect(
            run.stderrLines == [
                "contacts.csv:2:3: error: consent_email value 'sometimes' is not one of true, yes, 1, false, no, 0 (an empty cell means no consent); this contact gets no email",
                "people.db:1:1: error: has no 'contacts' table",
                "ids.db:1:1: error: the 'contacts' table has no 'id' column",
                "3 of 3 playbooks invalid",
            ])
    }

    static func sqlite(_ path: String, _ sql: String) async throws {
        let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()"
        let run = try await PlaybookBinary.runProgram("/usr/bin/env", ["python3", "-c", script, path, sql], environment: ProcessInfo.processInfo.environment)
        #expect(run.status == 0, "\(run.stderr)")
    }

    /// A fifo would block a reader until some writer came: it is refused without waiting.
    @Test func aFifoIsRefusedWithoutWaiting() async throws {
        let workspace = try Workspace(["p.yaml": Self.playbook()])
        let fifo = workspace.url.appendingPathComponent("contacts.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let watch = FifoWatch(fifo)
        let run = try await workspace.run(["validate", "p.yaml"])
        watch.stop()
        #expect(run.status == 1)
        #expect(run.stderrLines == ["p.yaml:7:23: error: contacts file 'contacts.csv' is not a regular file", "1 of 1 playbook invalid"])
    }

    static let scenario = """
        test: the shop tells everyone
        playbook: p.yaml
        at: 2021-10-04T15:39:00Z
        trigger: t
        expect:
          steps:
            tell: { offset: 0s, runs: true }
        """

    /// In `test`, only the scenario's observations count: the contacts file is never opened. A
    /// fifo proves it (opening it for reading is what the watch sees), and so does a file that
    /// would fail every check if it were read.
    @Test func aScenarioNeverOpensTheContactsFile() async throws {
        let workspace = try Workspace([
            "p.yaml": Self.playbook(), "p.test.yaml": Self.scenario, "q.yaml": Self.playbook(contacts: "locked.csv"),
            "q.test.yaml": Self.scenario.replacingOccurrences(of: "playbook: p.yaml", with: "playbook: q.yaml"),
        ])
        let fifo = workspace.url.appendingPathComponent("contacts.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let locked = workspace.url.appendingPathComponent("locked.csv")
        try Data("SMTP_PASSWORD=hunter2\0".utf8).write(to: locked)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked.path)
        let watch = FifoWatch(fifo)
        let run = try await workspace.run(["test", "."])
        let opened = watch.stop()
        #expect(!opened, "the fifo was opened for reading")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("2 passed, 0 failed"))
        #expect(!(run.stdout + run.stderr).contains("hunter2"))
    }

    @Test func planWarnsAtTheLineAndCountsWhyContactsCannotBeReached() async throws {
        let workspace = try Workspace([
            "p.yaml": Self.playbook(),
            "contacts.csv": "\(Self.header)\nc1,Ada,not-mail,+393330000001,,true,true,,\nc2,Ben,ben@example.com,,,maybe,true,,\n",
        ])
        let run = try await workspace.run(["plan", "p.yaml", "--at", "2021-10-04T12:00:00Z"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("contacts.csv:2:8: warning: invalid email 'not-mail': this contact gets no email; its other channels still apply"))
        #expect(run.stderr.contains("contacts.csv:3:26: warning: consent_email value 'maybe' is not one of"))
        #expect(run.stdout.contains("mail cannot reach 2 of the segment (1 with an invalid email, 1 with an unreadable consent value)"))
        #expect(run.stdout.contains("1 unreadable consent value read as no consent; 1 invalid email not used"))
    }
}

/// Whether a fifo gets opened for reading: a non-blocking open of its write end succeeds only
/// while a reader has it open. The write end is closed at once, so a reader blocked on the fifo
/// sees the end of the file instead of hanging the test.
final class FifoWatch: Sendable {
    private let state = Mutex((opened: false, stopped: false))

    init(_ path: String) {
        Thread.detachNewThread { [self] in
            while !state.withLock({ $0.stopped }) {
                let descriptor = open(path, O_WRONLY | O_NONBLOCK)
                if descriptor >= 0 {
                    state.withLock { $0.opened = true }
                    close(descriptor)
                }
                usleep(500)
            }
        }
    }

    /// Stops watching; whether the fifo was ever opened for reading.
    @discardableResult
    func stop() -> Bool {
        state.withLock {
            $0.stopped = true
            return $0.opened
        }
    }
}
