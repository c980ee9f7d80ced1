import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookPostgres
import PlaybookTestSupport
import Testing

/// An approval over the shared PostgreSQL state: its request to a segment goes out from the
/// runner that runs the step, and the link it carries is written to no table.
@Suite(.enabled(if: TestPostgres.available, TestPostgres.skipNote)) struct SharedApprovalTests {
    @Test func theRequestsLinkIsNeverWrittenToTheSharedState() async throws {
        let url = try await TestPostgres.freshDatabase()
        let directory = TestScratch.root.appendingPathComponent("shared-approval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale\no1,Ana,ana@example.com,,,true,false,Europe/Rome,en\n"
            .write(to: directory.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("shared.yaml")
        try """
        version: 1
        playbook: shared-approval
        triggers: [{ id: manual, manual: {} }]
        channels: { mail: { type: webhook, url: "http://127.0.0.1:9/hook" } }
        audience: { contacts: contacts.csv, segments: { owners: "true" } }
        steps:
          - id: ask
            approve: { segment: owners, via: [mail], text: "{{ contact.name }}: {{ approval.url }}" }
          - { id: after-ask, after: [ask], log: { message: approved } }
        """.write(to: file, atomically: true, encoding: .utf8)
        let playbook = try #require(PlaybookLoader.load(path: file.path).playbook)
        let journal = try await PostgresJournal.open(url)
        defer { Task { await journal.close() } }
        let channels = CountingChannels(latency: 0)
        var engine = Engine(journal: journal, channels: channels)
        engine.approvalLinkBase = "https://console.example"
        async let outcome = engine.run(playbook, .init())
        var decided = false
        for _ in 0..<200 where !decided {
            try await Task.sleep(nanoseconds: 50_000_000)
            // Decided once the request is out: a decision that comes first (possible as soon as
            // the approval is journaled) leaves nothing to send, and this test reads what was sent.
            guard channels.count > 0 else { continue }
            decided = (try? await Approvals.decide(.approve, step: "ask", playbook: playbook, journal: journal, by: "cli (ana)", now: Date())) != nil
        }
        #expect(decided)
        #expect(try await outcome.statuses == ["ask": .succeeded, "after-ask": .succeeded])
        let incident = try #require(try await journal.incidents().first)
        let sent = try #require(channels.text("\(incident.id)/ask/o1/mail"))
        let token = String(try #require(sent.components(separatedBy: "/approve/").last))
        #expect(token.count > 40)
        let stored = try await TestPostgres.execute(
            url,
            """
            SELECT coalesce(message, '') || coalesce(detail, '') FROM deliveries
            UNION ALL SELECT coalesce(detail, '') FROM steps UNION ALL SELECT message FROM log
            UNION ALL SELECT token_id || status || coalesce(decided_by, '') FROM approvals
            """)
        #expect(!stored.isEmpty)
        #expect(!stored.joined().joined().contains(token))
    }
}
