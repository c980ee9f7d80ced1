import Foundation
import PlaybookCore
import Testing

/// `audience.contacts` as a file, a tool's export (`{path, format}`) or any export with a column
/// mapping (`{path, columns, consent_values}`), and the errors a careless mapping gets.
@Suite struct ContactsSyntaxTests {
    static func playbook(_ contacts: String) -> String {
        """
        version: 1
        playbook: c
        triggers: [{ id: t, manual: {} }]
        channels: { out: { type: file, path: out.jsonl } }
        audience:
          contacts: \(contacts)
          segments: { all: "true" }
        steps: [{ id: s, notify: { segment: all, via: [out], message: { text: hi } } }]
        """
    }

    static func check(_ contacts: String) -> PlaybookLoader.Result {
        PlaybookLoader.check(bytes: Array(playbook(contacts).utf8), path: "/nonexistent/c.yaml")
    }

    static func errors(_ contacts: String) -> [String] { check(contacts).diagnostics.filter { $0.severity == .error }.map(\.message) }

    @Test func aToolsExport() throws {
        let result = Self.check("{ path: customers_export.csv, format: shopify }")
        #expect(result.isValid, "\(result.diagnostics)")
        let audience = try #require(result.playbook?.audience)
        #expect(audience.contacts?.value == "customers_export.csv")
        #expect(audience.format == .shopify)
        #expect(audience.columns == nil)
    }

    @Test func anyExportWithColumns() throws {
        let result = Self.check(#"{ path: crm.csv, columns: { id: "Kunde", email: "E-Mail", consent_email: "Newsletter" }, consent_values: { yes: [ja], no: [nein] } }"#)
        #expect(result.isValid, "\(result.diagnostics)")
        let columns = try #require(result.playbook?.audience?.columns)
        #expect(columns == ContactsColumns(columns: ["id": "Kunde", "email": "E-Mail", "consent_email": "Newsletter"], consentYes: ["ja"], consentNo: ["nein"]))
    }

    @Test(arguments: [
        ("{ path: a.csv, format: shopfy }", "'format' in audience.contacts must be one of 'playbook', 'shopify', 'mailchimp', 'klaviyo', 'woocommerce', found 'shopfy'; did you mean 'shopify'?"),
        ("{ format: shopify }", "missing required key 'path' in audience.contacts"),
        ("{ path: a.csv, format: shopify, columns: { email: Mail } }", "give either 'format' (a tool's export) or 'columns' (any other export) in audience.contacts, not both"),
        ("{ path: a.csv, columns: { emial: Mail } }", "unknown key 'emial' in audience.contacts.columns; did you mean 'email'?"),
        ("{ path: a.csv, format: klaviyo, consent_values: { yes: [y], no: [n] } }", "'consent_values' applies to a 'columns' mapping; a 'format' knows its tool's consent values"),
        ("{ path: a.csv, columns: { email: Mail }, consent_values: { yes: [Yes], no: [yes] } }", "'yes' is in both 'yes' and 'no' of audience.contacts.consent_values"),
    ])
    func mistakesAreNamed(_ contacts: String, _ message: String) {
        #expect(Self.errors(contacts).contains(message), "\(Self.errors(contacts))")
    }
}
