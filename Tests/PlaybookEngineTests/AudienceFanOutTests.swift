import Foundation
import PlaybookCore
@testable import PlaybookEngine
import Testing

/// Issue 5's fan-out: 50,000 generated contacts through SMS and email, with counts by channel,
/// consent and quiet-hours deferral known exactly from how they were generated — and the plan
/// predicting exactly what the run sends.
@Suite struct AudienceFanOutTests {
    static let count = 50_000
    static let zones = ["Europe/Rome", "America/New_York", "Asia/Tokyo", ""]

    /// Contact i: phone unless i % 10 == 0; SMS consent when i % 3 != 0; email consent when i % 4 != 0;
    /// every 50th repeats the email of the one before it; tags vip when i % 2 == 0.
    static func rows() -> [String] {
        (0..<count).map { i in
            let email = i % 50 == 49 ? "p\(i - 1)@example.com" : "p\(i)@example.com"
            let phone = i % 10 == 0 ? "" : "+39333\(String(format: "%07d", i))"
            return "c\(i),Person \(i),\(email),\(phone),\(i % 2 == 0 ? "vip" : "fan"),\(i % 4 != 0),\(i % 3 != 0),\(zones[i % zones.count]),en"
        }
    }

    static let yaml = """
        version: 1
        playbook: fanout50k
        timezone: Europe/Rome
        triggers: [{ id: t, manual: {} }]
        channels:
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000", concurrency: 64 }
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>", concurrency: 64 }
        audience: { contacts: contacts.csv, segments: { vip: "'vip' in contact.tags" } }
        settings: { quiet_hours: "22:00-07:00" }
        steps:
          - { id: tell, notify: { segment: vip, via: [sms, mail], message: { text: "Hi {{ contact.name }}" } } }
        """

    /// What must happen at 20:30 UTC: 22:30 in Rome (quiet), 16:30 in New York, 05:30 in Tokyo (quiet), UTC 20:30.
    static func expected() -> (sms: Int, mail: Int, deferred: Int, unreachable: Int) {
        var sms = 0, mail = 0, deferred = 0, unreachable = 0
        var emails = Set<String>()
        for i in stride(from: 0, to: count, by: 2) {
            let zone = zones[i % zones.count]
            if i % 10 != 0, i % 3 != 0 {
                sms += 1
                if zone == "Europe/Rome" || zone == "Asia/Tokyo" { deferred += 1 }
            } else if i % 4 != 0 {
                let email = i % 50 == 49 ? "p\(i - 1)@example.com" : "p\(i)@example.com"
                if emails.insert(email).inserted { mail += 1 }
            } else {
                unreachable += 1
            }
        }
        return (sms, mail, deferred, unreachable)
    }

    @Test func fiftyThousandContactsAreRoutedExactlyAsPlanned() async throws {
        let fixture = try EngineFixture(Self.yaml, extraContacts: Self.rows())
        let start = ISO8601DateFormatter().date(from: "2021-10-04T20:30:00Z")!
        let expected = Self.expected()

        let plan = try Planner.plan(fixture.playbook, .init(start: start))
        let planned = try #require(plan.steps.first?.deliveries)
        #expect(planned.byChannel == ["sms": expected.sms, "mail": expected.mail])
        #expect(planned.deferred == expected.deferred)
        #expect(planned.unreachable == expected.unreachable)

        let clock = FastClock(origin: start, factor: 400_000)
        let channels = RecordingChannels(clock: clock)
        let outcome = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.statuses["tell"] == .succeeded)
        let sent = await channels.sent
        #expect(sent.filter { $0.channel == "sms" }.count == expected.sms)
        #expect(sent.filter { $0.channel == "mail" }.count == expected.mail)
        #expect(Set(sent.map(\.message.idempotencyKey)).count == sent.count)
        // No SMS without consent, none to a contact without a phone, none in a contact's quiet hours.
        let morningRome = ISO8601DateFormatter().date(from: "2021-10-05T05:00:00Z")!
        for delivery in sent where delivery.channel == "sms" {
            let contact = try #require(delivery.message.contact)
            #expect(contact.consentSMS && !contact.phone.isEmpty)
            if contact.timezone == "Europe/Rome" { #expect(delivery.at >= morningRome) }
        }
        #expect(sent.filter { $0.channel == "mail" }.allSatisfy { $0.message.contact?.consentEmail == true })
        let incident = try #require(try await fixture.journal.incidents().first)
        let journaled = try await fixture.journal.deliveries(incident: incident.id, step: "tell")
        #expect(journaled.filter { $0.deferredUntil != nil }.count == expected.deferred)
        #expect(journaled.allSatisfy { $0.status == .sent })
    }

    @Test func contactsCanComeFromAnSQLiteTable() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: sqlite-contacts
            triggers: [{ id: t, manual: {} }]
            channels: { mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" } }
            audience: { contacts: contacts.db, segments: { rome: "contact.fields.city == 'Rome'" } }
            steps:
              - { id: tell, notify: { segment: rome, via: [mail], message: { text: "Ciao {{ contact.name }}" } } }
            """)
        let database = try SQLiteDatabase(path: fixture.directory.appendingPathComponent("contacts.db").path)
        try database.execute("""
            CREATE TABLE contacts (id TEXT, name TEXT, email TEXT, phone TEXT, tags TEXT, consent_email TEXT, consent_sms TEXT, timezone TEXT, locale TEXT, city TEXT);
            INSERT INTO contacts VALUES ('1', 'Ann', 'ann@example.com', NULL, 'vip', 'true', 'false', 'Europe/Rome', 'it', 'Rome');
            INSERT INTO contacts VALUES ('2', 'Bob', 'bob@example.com', NULL, '', 'yes', 'no', 'Europe/Rome', 'en', 'Milan');
            INSERT INTO contacts VALUES ('3', 'Cid', 'not-an-email', NULL, '', 'true', 'false', 'Europe/Rome', 'en', 'Rome');
            INSERT INTO contacts VALUES ('4', 'Dee', 'dee@example.com', NULL, '', '0', '0', 'Europe/Rome', 'en', 'Rome');
            """)
        let clock = FastClock(origin: Date())
        let channels = RecordingChannels(clock: clock)
        let outcome = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.statuses["tell"] == .succeeded)
        #expect(await channels.sent.map { $0.message.address } == ["ann@example.com"])
        let plan = try Planner.plan(fixture.playbook, .init(start: Date(), contactsOpener: .standard))
        #expect(plan.steps.first?.deliveries?.total == 1)
        // Cid's email is unusable, not Cid: a warning at row 3, column 3.
        #expect(plan.audience?.skippedRows == 0)
        #expect(plan.audience?.issues.warnings.map { "\($0.line):\($0.column) \($0.kind.rawValue)" } == ["3:3 invalid_email"])
        #expect(plan.steps.first?.deliveries?.obstaclesByChannel == ["mail": [.badEmail: 1, .consentEmailNo: 1]])
    }
}
