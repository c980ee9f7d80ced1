import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// Contacts that are checked, not guessed: a consent value outside the list is no consent and an
/// error at its line; a bad email, phone or timezone makes only that field unusable; a row that
/// cannot be parsed is skipped with an error; nothing of the file is quoted beyond one field.
@Suite struct ContactsFileTests {
    static let header = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale"

    static func write(_ text: String) throws -> String {
        let path = TestScratch.root.appendingPathComponent("contacts-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func read(_ text: String) throws -> (contacts: [Contact], issues: ContactIssues) {
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = try ContactsFile(path: path)
        defer { file.close() }
        var contacts: [Contact] = []
        while let contact = file.next() { contacts.append(contact) }
        return (contacts, file.issues)
    }

    @Test func anUnknownConsentValueIsNoConsentAndAnErrorAtItsLineAndColumn() throws {
        let (contacts, issues) = try Self.read(
            """
            \(Self.header)
            c1,Ada,ada@example.com,+393330000001,,maybe,TRUE,,
            c2,Ben,ben@example.com,+393330000002,,Yes,y,,
            c3,Cy,cy@example.com,,,,0,,

            """)
        #expect(contacts.map(\.id) == ["c1", "c2", "c3"])
        #expect(contacts.map(\.consentEmail) == [false, true, false])
        #expect(contacts.map(\.consentSMS) == [true, false, false])
        #expect(contacts[0].problems == [.unreadableEmailConsent])
        #expect(contacts[1].problems == [.unreadableSMSConsent])
        #expect(contacts[2].problems == [.emptyEmailConsent])
        #expect(issues.errors.map { "\($0.line):\($0.column) \($0.kind.rawValue)" } == ["2:39 unreadable_consent", "3:43 unreadable_consent"])
        #expect(
            issues.errors.first?.message
                == "consent_email value 'maybe' is not one of true, yes, 1, false, no, 0 (an empty cell means no consent); this contact gets no email")
        #expect(issues.count(.unreadableConsent) == 2)
    }

    @Test func aBadEmailPhoneOrTimezoneMakesOnlyThatFieldUnusable() throws {
        let (contacts, issues) = try Self.read(
            """
            \(Self.header)
            c1,Ada,not-an-email,+393330000001,vip,true,true,Europe/Rome,it
            c2,Ben,ben@example.com,12345,vip,true,true,Mars/Olympus,en

            """)
        #expect(contacts.count == 2)
        #expect(contacts[0].email == "" && contacts[0].phone == "+393330000001" && contacts[0].problems == [.invalidEmail])
        #expect(contacts[1].phone == "" && contacts[1].timezone == "" && contacts[1].email == "ben@example.com")
        #expect(contacts[1].problems == [.invalidPhone, .unknownTimezone])
        #expect(issues.errors.isEmpty)
        #expect(issues.warnings.map { "\($0.line):\($0.column) \($0.kind.rawValue)" } == ["2:8 invalid_email", "3:24 invalid_phone", "3:44 unknown_timezone"])
        #expect(issues.warnings[0].message == "invalid email 'not-an-email': this contact gets no email; its other channels still apply")
        let routing = DeliveryRouting(
            via: [(id: "mail", type: .smtp), (id: "sms", type: .twilio)], mode: .first, quietHours: nil,
            defaultTimezone: TimeZone(identifier: "UTC")!)
        var cache = DeliveryRouting.QuietHoursCache()
        #expect(routing.routes(for: contacts[0], at: Date(), cache: &cache).map(\.channel) == ["sms"])
        #expect(DeliveryRouting.obstacle(for: contacts[0], on: .smtp) == .badEmail)
    }

    @Test func rowsThatCannotBeParsedAreSkippedWithAnError() throws {
        let (contacts, issues) = try Self.read(
            """
            \(Self.header)
            c1,Rossi, Giulia,g@example.com,,,true,true,,,
            ,No Id,n@example.com,,,true,true,,
            c3,"open,x@example.com,,,true,true,,
            c4,Fine,f@example.com,,,true,true,,

            """)
        #expect(contacts.map(\.id) == ["c4"])
        #expect(issues.skippedRows == 3)
        #expect(issues.errors.map { "\($0.line):\($0.column) \($0.kind.rawValue)" } == ["2:45 unreadable_row", "3:1 no_id", "4:4 unreadable_row"])
        #expect(issues.errors[0].message == "row has 11 fields but the header has 9 (a comma in an unquoted field?); the row is skipped")
    }

    @Test func twentyFiveBadRowsGiveTwentyErrorsThenACount() throws {
        let rows = (1...25).map { String(format: "c%02d,P,p@example.com,,,nope,false,,", $0) }
        let path = try Self.write(([Self.header] + rows).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = try ContactsFile(path: path)
        while file.next() != nil {}
        file.close()
        let diagnostics = file.issues.diagnostics(file: "contacts.csv")
        #expect(diagnostics.count == 21)
        #expect(diagnostics.prefix(20).map { "\($0.location)" } == (2...21).map { "contacts.csv:\($0):23" })
        #expect(diagnostics.prefix(20).allSatisfy { $0.severity == .error })
        #expect(diagnostics.last?.message == "5 more errors in this contacts file after this line")
        #expect(file.issues.count(.unreadableConsent) == 25)
    }

    @Test func aFileWithANULByteIsRefusedWithoutQuotingIt() throws {
        let path = TestScratch.root.appendingPathComponent("environ-\(UUID().uuidString)").path
        try Data("SMTP_PASSWORD=hunter2-secret\0HOME=/root\0".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ContactsFile(path: path)
        } throws: { error in
            guard case .invalid(_, 1, 1, let why) = error as? ContactsFile.OpenError else { return false }
            return why == "is not text: it contains a NUL byte (at byte 29)"
        }
    }

    @Test func aHeaderWithoutIdNamesOneLikelyColumnAndNothingElse() throws {
        for (header, expected) in [
            ("SMTP_PASSWORD=hunter2-secret", "the header has no 'id' column"),
            ("ID,name,email", "the header has no 'id' column; did you mean 'ID'?"),
        ] {
            let path = try Self.write(header + "\nx\n")
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect {
                try ContactsFile(path: path)
            } throws: { error in
                guard case .invalid(_, 1, 1, let why) = error as? ContactsFile.OpenError else { return false }
                return why == expected
            }
        }
    }

    @Test func aContractColumnNamedTwiceIsRefused() throws {
        let path = try Self.write("id,consent_email,name,consent_email\nc1,no,A,yes\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ContactsFile(path: path)
        } throws: { error in
            guard case .invalid(_, 1, 23, let why) = error as? ContactsFile.OpenError else { return false }
            return why == "column 'consent_email' appears twice in the header (columns 2 and 4)"
        }
    }

    @Test func excerptsAreCutRedactedAndHarmless() {
        #expect(DataFileExcerpt.quoted(String(repeating: "a", count: 50)) == "'\(String(repeating: "a", count: 40))…'")
        #expect(DataFileExcerpt.quoted("SMTP_PASSWORD=hunter2") == "'SMTP_PASSWORD=…'")
        #expect(DataFileExcerpt.quoted("a\u{1B}[2Jb\u{202E}") == "'a\\u{1B}[2Jb\\u{202E}'")
    }
}
