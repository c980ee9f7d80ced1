import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Synchronization
import Testing

@testable import PlaybookConsole

/// A journal holding one incident of a playbook with an approve step waiting for a decision,
/// the console over it with a recording backend, and a clock the tests move.
final class ConsoleFixture: Sendable {
    static let yaml = """
        version: 1
        playbook: meta-outage
        triggers: [{ id: manual, manual: {} }]
        channels: { phone: { type: webhook, url: "http://127.0.0.1:9/owner" } }
        steps:
          - id: ask-owner
            approve: { to: [phone], text: "Pause the ads? {{ approval.url }}", timeout: 20m }
          - id: ask-mail
            approve: { to: [phone], text: "Mail everyone? {{ approval.url }}", timeout: 20m }
          - { id: pause-note, after: [ask-owner], log: { message: "pausing the ads" } }
        """
    static let token = "console-test-token-1234"
    static let start = ISO8601DateFormatter().date(from: "2026-12-05T10:00:00Z")!
    static let incidentID = "meta-outage-20261205T100000Z"

    let playbook: Playbook
    let journal: SQLiteJournal
    let backend: RecordingBackend
    let console: Console
    let clock = TestClock(ConsoleFixture.start.addingTimeInterval(60))
    /// The link of each approval, by step (as the engine signs it).
    let links: [String: String]

    init(consoleToken: String? = ConsoleFixture.token, baseURL: String = "http://127.0.0.1:9464", retriesFailures: Bool = false) async throws {
        let directory = TestScratch.root.appendingPathComponent("console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("meta.yaml").path
        try Self.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try PlaybookLoader.load(path: path)
        playbook = try #require(loaded.playbook)
        journal = try SQLiteJournal(directory: directory.appendingPathComponent(".playbook").path)
        try await journal.createIncident(IncidentRecord(id: Self.incidentID, playbook: "meta-outage", trigger: "manual", startedAt: Self.start, facts: "{}"))
        let key = try journal.approvalKey()
        var links: [String: String] = [:]
        for step in ["ask-owner", "ask-mail"] {
            let token = ApprovalToken.issue(incident: Self.incidentID, step: step, expiresAt: Self.start.addingTimeInterval(1200), key: key)
            try await journal.createApproval(
                ApprovalRecord(incident: Self.incidentID, step: step, tokenID: token.id, requestedAt: Self.start, expiresAt: token.expiresAt))
            try await journal.setStep(
                StepRecord(incident: Self.incidentID, step: step, section: "steps", status: .running, attempts: 1, startedAt: Self.start, finishedAt: nil, detail: nil))
            links[step] = token.encoded
        }
        self.links = links
        backend = RecordingBackend(journal: journal, playbook: ConsolePlaybook(playbook: playbook, file: path), retriesFailures: retriesFailures)
        let clock = self.clock
        console = Console(settings: ConsoleSettings(token: consoleToken, baseURL: baseURL), backend: backend, clock: { clock.now })
    }

    func advance(to date: Date) { clock.set(date) }

    /// Runs `body` against the console's router, in process.
    func test(_ body: @Sendable (ConsoleClient) async throws -> Void) async throws {
        let application = Application(router: console.router())
        try await application.test(.router) { client in try await body(ConsoleClient(client: client)) }
    }

    func approval(_ step: String) async throws -> ApprovalRecord? {
        try await journal.approval(incident: Self.incidentID, step: step)
    }
}

/// Records what the console asked the serving process to do.
final class RecordingBackend: ConsoleBackend {
    let journal: any Journal
    let playbooks: [ConsolePlaybook]
    let calls = Mutex<[String]>([])

    /// Whether this backend sends again what failed (a watch's does, a run's does not).
    let retriesFailures: Bool

    init(journal: any Journal, playbook: ConsolePlaybook, retriesFailures: Bool = false) {
        self.journal = journal
        playbooks = [playbook]
        self.retriesFailures = retriesFailures
    }

    func retryFailed(playbook: String, incident: String) async throws -> String {
        guard retriesFailures else { throw ConsoleRefusal("this backend does not retry") }
        calls.withLock { $0.append("retry \(playbook) \(incident)") }
        return "sending again"
    }

    func recover(playbook: String) async throws -> String {
        calls.withLock { $0.append("recover \(playbook)") }
        return "recovering"
    }

    func run(playbook: String, trigger: String) async throws -> String {
        calls.withLock { $0.append("run \(playbook) \(trigger)") }
        return ConsoleFixture.incidentID
    }
}

/// A browser's view of the router: a cookie jar, forms, and the page's text.
struct ConsoleClient: Sendable {
    let client: any TestClientProtocol

    struct Page: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String

        /// The value of the first hidden `csrf` field.
        var csrf: String? {
            guard let range = body.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }

        var sessionCookie: String? {
            headers[values: .setCookie].first { $0.hasPrefix(Console.cookieName + "=") }
        }
    }

    func get(_ path: String, cookie: String? = nil) async throws -> Page {
        try await send(path, method: .get, cookie: cookie, form: nil)
    }

    func post(_ path: String, cookie: String? = nil, form: [(String, String)]) async throws -> Page {
        try await send(path, method: .post, cookie: cookie, form: form)
    }

    /// Signs in with `token`; the session cookie (`name=value`) when it worked.
    func signIn(_ token: String = ConsoleFixture.token) async throws -> String? {
        let page = try await post("/signin", form: [("token", token)])
        return page.sessionCookie.map { String($0.prefix { $0 != ";" }) }
    }

    private func send(_ path: String, method: HTTPRequest.Method, cookie: String?, form: [(String, String)]?) async throws -> Page {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            body = ByteBuffer(
                string: form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&"))
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        return Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
    }
}

/// The console's clock in these tests: moved by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
}
