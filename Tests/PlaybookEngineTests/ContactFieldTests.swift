import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// A run reaches each contact on every channel its row allows: a bad email no longer drops the
/// contact's SMS, and a consent value outside the list is no consent, counted, never a guess.
@Suite struct ContactFieldTests {
    static let yaml = """
        version: 1
        playbook: fields
        triggers: [{ id: t, manual: {} }]
        channels:
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
        audience: { contacts: contacts.csv, segments: { all: "true" } }
        steps:
          - { id: tell, notify: { segment: all, via: [mail, sms], message: { text: "Hi {{ contact.name }}" } } }
        """

    @Test func aBadEmailStillGetsItsSMSAndTheRunSaysWhy() async throws {
        let fixture = try EngineFixture(
            Self.yaml,
            extraContacts: [
                "c1,Ada,not-an-email,+393330000001,,true,true,,",
                "c2,Ben,ben@example.com,+393330000002,,true,true,,",
            ])
        let clock = FastClock(origin: Date())
        let channels = RecordingChannels(clock: clock)
        let outcome = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.statuses["tell"] == .succeeded)
        let sent = await channels.sent.map { "\($0.channel) \($0.message.address)" }.sorted()
        #expect(sent == ["mail ben@example.com", "sms +393330000001"])
        let incident = try #require(try await fixture.journal.incidents().first)
        let log = try await fixture.journal.logLines(incident: incident.id).map(\.message)
        #expect(log.contains("contacts: 1 invalid email not used"))

        let plan = try Planner.plan(fixture.playbook, .init(start: Date()))
        let counts = try #require(plan.steps.first?.deliveries)
        #expect(counts.byChannel == ["mail": 1, "sms": 1])
        #expect(counts.obstaclesByChannel == ["mail": [.badEmail: 1]])
        #expect(plan.audience?.issues.count(.invalidEmail) == 1)
    }

    /// `y` used to mean yes and `maybe` silently no; now both are unreadable: no consent for
    /// that channel, the run goes on, and plan and run count them.
    @Test func anUnreadableConsentIsNoConsentForThatChannelAndTheRunGoesOn() async throws {
        let fixture = try EngineFixture(
            Self.yaml,
            extraContacts: [
                "c1,Ada,ada@example.com,+393330000001,,maybe,y,,",
                "c2,Ben,ben@example.com,+393330000002,,y,true,,",
                "c3,Cy,cy@example.com,,,TRUE,,,",
            ])
        let plan = try Planner.plan(fixture.playbook, .init(start: Date()))
        let counts = try #require(plan.steps.first?.deliveries)
        #expect(counts.total == 2)
        #expect(counts.unreachable == 1)
        #expect(counts.obstaclesByChannel == ["mail": [.consentEmailUnreadable: 2], "sms": [.consentSMSUnreadable: 1, .noPhone: 1]])
        #expect(plan.audience?.issues.count(.unreadableConsent) == 3)
        let json = plan.json.serialized()
        #expect(json.contains(#""not_reachable_by_channel":{"mail":{"consent_email_unreadable":2},"sms":{"no_phone":1,"consent_sms_unreadable":1}}"#))
        #expect(plan.rendered(.text).contains("mail cannot reach 2 of the segment (2 with an unreadable consent value)"))

        let clock = FastClock(origin: Date())
        let channels = RecordingChannels(clock: clock)
        let outcome = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.statuses["tell"] == .succeeded)
        #expect(await channels.sent.map { "\($0.channel) \($0.message.address)" }.sorted() == ["mail cy@example.com", "sms +393330000002"])
        let incident = try #require(try await fixture.journal.incidents().first)
        #expect(try await fixture.journal.logLines(incident: incident.id).map(\.message).contains("contacts: 3 unreadable consent values read as no consent"))
    }
}

/// SQLite contacts: recognised by their content whatever their name, their problems located by
/// row and column, and their file closed after every notify.
@Suite struct SQLiteContactsTests {
    static func database(_ path: String, _ sql: String) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute(sql)
        database.close()
    }

    static let table = """
        CREATE TABLE contacts (id TEXT, name TEXT, email TEXT, phone TEXT, tags TEXT, consent_email TEXT, consent_sms TEXT, timezone TEXT, locale TEXT);
        INSERT INTO contacts VALUES ('1', 'Ann', 'ann@example.com', NULL, '', 'true', 'false', '', 'it');
        INSERT INTO contacts VALUES ('2', 'Bob', 'bob@example.com', NULL, '', 'perhaps', 'no', '', 'en');
        """

    @Test func aDatabaseNamedCSVIsReadAsADatabaseAndACSVNamedDBAsCSV() throws {
        let folder = TestScratch.root.appendingPathComponent("sniff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let disguised = folder.appendingPathComponent("contacts.csv").path
        try Self.database(disguised, Self.table)
        var fromDatabase = try ContactsOpener.standard.open(disguised)
        #expect(fromDatabase.next()?.email == "ann@example.com")
        #expect(fromDatabase.next()?.consentEmail == false)
        #expect(fromDatabase.issues.errors.map { "\($0.line):\($0.column)" } == ["2:6"])
        fromDatabase.close()
        #expect(throws: (any Error).self) { try ContactsOpener.csv.open(disguised) }

        let csv = folder.appendingPathComponent("contacts.db").path
        try "id,email,consent_email\nc1,c@example.com,yes\n".write(toFile: csv, atomically: true, encoding: .utf8)
        var fromCSV = try ContactsOpener.standard.open(csv)
        #expect(fromCSV.next()?.email == "c@example.com")
        fromCSV.close()
    }

    @Test func aMissingTableOrIdColumnIsAnErrorAtTheFile() throws {
        let folder = TestScratch.root.appendingPathComponent("sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let noTable = folder.appendingPathComponent("a.db").path
        try Self.database(noTable, "CREATE TABLE people (id TEXT);")
        #expect {
            try ContactsOpener.standard.open(noTable)
        } throws: { error in
            guard case .invalid(_, 1, 1, let why) = error as? ContactsFile.OpenError else { return false }
            return why == "has no 'contacts' table"
        }
        let noID = folder.appendingPathComponent("b.db").path
        try Self.database(noID, "CREATE TABLE contacts (ID TEXT, email TEXT);")
        #expect {
            try ContactsOpener.standard.open(noID)
        } throws: { error in
            guard case .invalid(_, 1, 1, let why) = error as? ContactsFile.OpenError else { return false }
            return why == "the 'contacts' table has no 'id' column; did you mean 'ID'?"
        }
    }

    /// Descriptors open on the contacts database, found through /proc/self/fd (other tests
    /// running meanwhile open files of their own, never this one).
    static func descriptors(on path: String) -> Int {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == target }.count
    }

    /// Each notify used to leave the database open (SQLite does not close a connection whose
    /// query is still open); under `watch` they piled up.
    @Test func notifiesFromADatabaseLeaveNoDescriptorOpen() async throws {
        let folder = TestScratch.root.appendingPathComponent("fd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let contacts = folder.appendingPathComponent("contacts.db").path
        try Self.database(contacts, Self.table)
        let journal = try SQLiteJournal(directory: folder.appendingPathComponent(".playbook").path)
        let clock = FastClock(origin: Date())
        let channels = RecordingChannels(clock: clock)
        #expect(Self.descriptors(on: contacts) == 0)
        for incident in 1...5 {
            let path = folder.appendingPathComponent("p\(incident).yaml").path
            try """
            version: 1
            playbook: fd-\(incident)
            triggers: [{ id: t, manual: {} }]
            channels: { mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" } }
            audience: { contacts: contacts.db, segments: { all: "true" } }
            steps:
              - { id: tell, notify: { segment: all, via: [mail], message: { text: "Hi" } } }
            """.write(toFile: path, atomically: true, encoding: .utf8)
            let playbook = try #require(try PlaybookLoader.load(path: path).playbook)
            let outcome = try await Engine(journal: journal, channels: channels, clock: clock).run(playbook, .init())
            #expect(outcome.statuses["tell"] == .succeeded)
            _ = try Planner.plan(playbook, .init(start: Date(), contactsOpener: .standard))
        }
        #expect(await channels.sent.count == 5)
        #expect(Self.descriptors(on: contacts) == 0)
    }
}
