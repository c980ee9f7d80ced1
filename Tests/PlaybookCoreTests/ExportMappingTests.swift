import Foundation
@testable import PlaybookCore
import Testing

/// Exports of other tools read as the native contact columns: names joined, phones in E.164
/// only when certain, each tool's consent words, tags re-separated, the rest as extra fields.
@Suite struct ExportMappingTests {
    @Test(arguments: [
        ("+44 20 7946 0958", "", "+442079460958"),
        ("'+447700900123", "", "+447700900123"),
        ("+44 (0)20 7946 0958", "", "+442079460958"),
        ("0044 20 7946 0958", "", "+442079460958"),
        ("07700 900123", "GB", "+447700900123"),
        ("07700 900123", "gb", "+447700900123"),
        ("07700 900123", "United Kingdom", "+447700900123"),
        ("(202) 555-0178", "US", "+12025550178"),
        ("1-415-555-0100", "US", "+14155550100"),
        ("06 6982 1234", "IT", "+390669821234"),
        ("612 345 678", "ES", "+34612345678"),
        ("+46701234567", "ZZ", "+46701234567"),
    ])
    func phonesBecomeE164WhenCertain(_ raw: String, _ country: String, _ expected: String) {
        #expect((try? PhoneNumber.e164(raw, country: country).get()) == expected)
    }

    @Test(arguments: [
        ("07700 900123", "", PhoneNumber.Problem.noCountry), ("555 0102", "ZZ", .countryUnknown), ("12345", "GB", .notE164),
        ("call me", "US", .notE164), ("+44 20 7946 0958 ext 3", "", .notE164), ("+0 123 456 789", "", .notE164),
    ])
    func otherPhonesAreNotGuessed(_ raw: String, _ country: String, _ problem: PhoneNumber.Problem) {
        #expect(PhoneNumber.e164(raw, country: country) == .failure(problem))
    }

    @Test func shopifysCurrentExportMapsEveryField() throws {
        let header = [
            "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address Company", "Default Address Country Code",
            "Default Address Phone", "Phone", "Accepts SMS Marketing", "Total Spent", "Tags",
        ]
        let mapping = try #require(try ExportMapping.make(format: .shopify, columns: nil, header: header))
        #expect(mapping.header == ["id", "name", "email", "phone", "tags", "consent_email", "consent_sms", "default_address_company", "default_address_country_code", "default_address_phone", "total_spent"])
        let row = ["'7001", "Zoë", "Ørsted", "zoe@example.com", "yes", "Ørsted & Co", "DK", "", "20 12 34 56", "no", "120.50", "vip, wholesale"]
        #expect(mapping.record(row, line: 2) == ["7001", "Zoë Ørsted", "zoe@example.com", "+4520123456", "vip;wholesale", "true", "false", "Ørsted & Co", "DK", "", "120.50"])
        let unknown = ["", "Ann", "", "ann@example.com", "maybe", "", "", "", "", "", "", ""]
        let mapped = mapping.record(unknown, line: 3)
        #expect(mapped[0] == "ann@example.com", "no Customer ID: the email is the id")
        #expect(mapped[5] == "maybe", "an unreadable consent value stays as written, for the row checks to count")
        #expect(mapped[6] == "", "an empty consent cell stays empty (no consent, counted apart from a no)")
    }

    @Test func shopifysOlderTemplateWorksWithoutAnId() throws {
        let header = ["First Name", "Last Name", "Email", "Company", "Country Code", "Phone", "Accepts Marketing", "Tags"]
        let mapping = try #require(try ExportMapping.make(format: .shopify, columns: nil, header: header))
        #expect(mapping.record(["A", "B", "", "", "US", "555 010 2345", "no", ""], line: 9)[0] == "line-9", "no id, no email: the line")
        #expect(mapping.record(["A", "B", "a@example.com", "", "US", "202 555 0178", "yes", ""], line: 2)[3] == "+12025550178")
        #expect(mapping.phoneProblem(["A", "B", "a@example.com", "", "", "202 555 0178", "yes", ""]) == .noCountry)
    }

    @Test func aMissingColumnNamesTheClosestHeader() {
        #expect(throws: ExportMapping.Problem(description: "this shopify export has no 'Email' column (for email); did you mean 'E-mail'?")) {
            try ExportMapping.make(format: .shopify, columns: nil, header: ["First Name", "E-mail", "Accepts Email Marketing"])
        }
        #expect(throws: ExportMapping.Problem(description: "the contacts file has no 'Newsletter' column (for consent_email); did you mean 'newsletter_ok'?")) {
            try ExportMapping.make(format: .playbook, columns: ContactsColumns(columns: ["email": "Mail", "consent_email": "Newsletter"]), header: ["Mail", "newsletter_ok"])
        }
    }

    @Test func mailchimpsStatusFileIsTheConsent() throws {
        let header = ["Email Address", "First Name", "Last Name", "Phone Number", "MEMBER_RATING", "TIMEZONE", "CC", "LEID", "TAGS"]
        let mapping = try #require(try ExportMapping.make(format: .mailchimp, columns: nil, header: header))
        let row = ["jose@example.com", "José", "Núñez", "612 345 678", "4", "Europe/Madrid", "ES", "98765", "\"VIP\",\"Wholesale, EU\""]
        // CC locates the sign-up's IP address, not the phone: a national number is not completed.
        #expect(mapping.header == ["id", "name", "email", "phone", "tags", "consent_email", "timezone", "member_rating", "cc"])
        #expect(mapping.record(row, line: 2) == ["98765", "José Núñez", "jose@example.com", "612 345 678", "VIP;Wholesale, EU", "true", "Europe/Madrid", "4", "ES"])
        let unsubscribed = try #require(try ExportMapping.make(format: .mailchimp, columns: nil, header: header + ["UNSUB_TIME"]))
        #expect(unsubscribed.record(row + ["2026-01-01"], line: 2)[5] == "false")
    }

    @Test func anyExportWithColumnsAndConsentWords() throws {
        let header = ["Kunde", "E-Mail", "Newsletter", "Land", "Handy"]
        let columns = ContactsColumns(
            columns: ["id": "Kunde", "email": "E-Mail", "consent_email": "Newsletter", "phone": "Handy", "country": "Land"], consentYes: ["ja"], consentNo: ["nein"])
        let mapping = try #require(try ExportMapping.make(format: .playbook, columns: columns, header: header))
        #expect(mapping.header == ["id", "email", "phone", "consent_email"])
        #expect(mapping.record(["K1", "k@example.de", "Ja", "DE", "0151 2345678"], line: 2) == ["K1", "k@example.de", "+491512345678", "true"])
        #expect(mapping.record(["K2", "l@example.de", "vielleicht", "DE", ""], line: 3)[3] == "vielleicht")
    }

    @Test func extraColumnsGetSnakeCaseNamesAndRepeatsASuffix() throws {
        let mapping = try #require(
            try ExportMapping.make(format: .woocommerce, columns: nil, header: ["Name", "Username", "Email", "Total spend", "Country / Region", "Total-Spend"]))
        #expect(mapping.header.suffix(3) == ["total_spend", "country_region", "total_spend_2"])
    }
}
