import Foundation
import Testing

/// Each tool's sample export (Tests/PlaybookCoreTests/Fixtures/exports) read by `playbook contacts
/// check` and `plan`: the exact reachable counts and reasons, with lines, that expected.json
/// states (derived by hand from docs/contacts.md).
@Suite struct ContactsExportTests {
    static let exports = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PlaybookCoreTests/Fixtures/exports")

    static var expected: [String: [String: Any]] {
        let data = (try? Data(contentsOf: exports.appendingPathComponent("expected.json"))) ?? Data()
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["files"] as? [String: [String: Any]] ?? [:]
    }

    static func playbook(_ file: String, format: String) -> String {
        """
        version: 1
        playbook: export
        triggers: [{ id: t, manual: {} }]
        channels:
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
        audience:
          contacts: { path: \(file), format: \(format) }
          segments: { everyone: "true" }
        steps:
          - { id: mail-all, notify: { segment: everyone, via: [mail], message: { subject: Hi, text: "Hi {{ contact.name }}" } } }
          - { id: text-all, notify: { segment: everyone, via: [sms], message: { text: "Hi" } } }

        """
    }

    @Test(arguments: [
        ("shopify.csv", "shopify"), ("shopify-legacy.csv", "shopify"), ("mailchimp-subscribed.csv", "mailchimp"), ("mailchimp-unsubscribed.csv", "mailchimp"),
        ("klaviyo.csv", "klaviyo"), ("woocommerce.csv", "woocommerce"),
    ])
    func theSampleExportGivesTheExpectedCounts(_ file: String, _ format: String) async throws {
        let expected = try #require(Self.expected[file])
        let text = try String(contentsOf: Self.exports.appendingPathComponent(file), encoding: .utf8)
        let workspace = try Workspace(["p.yaml": Self.playbook(file, format: format)])
        try FileManager.default.copyItem(at: Self.exports.appendingPathComponent(file), to: workspace.url.appendingPathComponent(file))
        _ = text

        let check = try await workspace.run(["contacts", "check", "p.yaml", "--format", "json"])
        let errors = (expected["validate"] as? [String: Any])?["errors"] as? [String: Any] ?? [:]
        #expect(check.status == (errors.isEmpty ? 0 : 1), "\(check.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stdout)\(check.stderr)")
        #expect(summary["rows"] as? Int == expected["rows"] as? Int)
        let channels = try #require(summary["channels"] as? [String: [String: Any]])
        #expect(channels["email"]?["reachable"] as? Int == expected["reachable_email"] as? Int, "email in \(file)")
        #expect(channels["email"]?["distinct"] as? Int == expected["distinct_emails"] as? Int, "distinct emails in \(file)")
        #expect(channels["sms"]?["reachable"] as? Int == expected["reachable_sms"] as? Int, "sms in \(file)")
        for (channel, key) in [("email", "unusable_email"), ("sms", "unusable_sms")] {
            let want = (expected[key] as? [String: [String: Any]] ?? [:]).mapValues { ($0["count"] as? Int ?? -1, ($0["lines"] as? [Int] ?? []).sorted()) }
            let got = (channels[channel]?["not_reachable"] as? [String: [String: Any]] ?? [:]).mapValues { ($0["count"] as? Int ?? -1, ($0["lines"] as? [Int] ?? []).sorted()) }
            #expect(Set(got.keys) == Set(want.keys), "\(channel) reasons in \(file)")
            for (reason, entry) in want { #expect(got[reason]?.0 == entry.0 && got[reason]?.1 == entry.1, "\(channel) \(reason) in \(file): \(String(describing: got[reason])) vs \(entry)") }
        }

        // plan counts the same deliveries: one per distinct address.
        let plan = try await workspace.run(["plan", "p.yaml", "--format", "json"])
        let steps = try #require((try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["steps"] as? [[String: Any]], "\(plan.stderr)")
        #expect(steps.first { $0["id"] as? String == "mail-all" }?["deliveries"] as? Int == expected["distinct_emails"] as? Int, "plan's email deliveries in \(file)")
        #expect(steps.first { $0["id"] as? String == "text-all" }?["deliveries"] as? Int == channels["sms"]?["distinct"] as? Int, "plan's SMS deliveries in \(file)")
    }

    @Test func aMappedColumnTheFileDoesNotHaveIsAnErrorWithTheClosestHeader() async throws {
        let workspace = try Workspace([
            "p.yaml": Self.playbook("crm.csv", format: "playbook").replacingOccurrences(
                of: "{ path: crm.csv, format: playbook }", with: #"{ path: crm.csv, columns: { id: Kunde, email: "E-Mail", consent_email: Newsletter } }"#),
            "crm.csv": "Kunde,E-Mail,Newsleter\nK1,k@example.de,ja\n",
        ])
        let validate = try await workspace.run(["validate", "p.yaml"])
        #expect(validate.status == 1)
        #expect(validate.stderr.contains("crm.csv:1:1: error: the contacts file has no 'Newsletter' column (for consent_email); did you mean 'Newsleter'?"), "\(validate.stderr)")
    }
}
