import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// `will_run` from conditions and facts, summaries, delivery counts and the §9 JSON.
@Suite struct PlannerTests {
    static let yaml = """
        version: 1
        playbook: shop
        timezone: Europe/Rome
        vars: { shop_url: "https://shop.example.com" }
        triggers:
          - id: meta-down
            platform_down: { platforms: [facebook, instagram] }
        channels:
          mail: { type: smtp, host: smtp.example.com, from: "Shop <a@shop.example.com>" }
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
          ads: { type: meta_ads, ad_account: act_123, access_token: "${env.M}" }
        audience:
          contacts: contacts.csv
          segments:
            vip: "'vip' in contact.tags"
        settings: { quiet_hours: "21:00-08:00" }
        if: "not (now.weekday == 'sun' and now.hour < 7)"
        steps:
          - id: warn
            notify: { segment: vip, via: [sms, mail], message: { text: "We are open" } }
          - id: pause
            if: "'facebook' in trigger.platforms"
            pause_ads: { channel: ads, campaigns: all }
          - id: late
            at: 2h
            if: "incident.active and steps.pause.status == 'succeeded'"
            log: { message: late }
        recovery:
          - { id: resume, resume_ads: { channel: ads } }
        """

    /// Writes the playbook and a contacts file into a fresh directory.
    static func fixture() throws -> Playbook {
        let directory = TestScratch.root.appendingPathComponent("planner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let contacts = """
            id,name,email,phone,tags,consent_email,consent_sms,timezone,locale
            1,Ann,ann@example.com,+393331111111,vip,true,true,Europe/Rome,it
            2,Bob,bob@example.com,+12025550100,vip,true,true,America/New_York,en
            3,Cid,cid@example.com,,vip,true,false,,en
            4,Dee,,+393332222222,vip,false,false,Europe/Rome,it
            5,Eve,ann@example.com,,vip,true,false,,en
            6,Fay,fay@example,,vip,true,true,,en
            7,Gus,gus@example.com,,other,true,true,,en
            """
        try contacts.write(to: directory.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("shop.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try #require(try PlaybookLoader.load(path: path).playbook)
    }

    /// When the resolution is known (scenario tests), a step due after it does not run, with or
    /// without an `if`: the engine skips it (the incident is over), and the plan says so.
    @Test func stepsDueAfterAKnownResolutionDoNotRun() throws {
        let playbook = try Self.fixture()
        let start = ISO8601DateFormatter().date(from: "2021-10-04T15:39:00Z")!
        let plan = try Planner.plan(playbook, Planner.Request(start: start, assignments: [(["trigger", "platforms"], .list([.text("facebook")]))],
                                                              includeContacts: false, resolvedAt: start.addingTimeInterval(3600)))
        let late = try #require(plan.steps.first { $0.id == "late" })
        #expect(late.willRun == false)
        #expect(late.reason == "the incident has resolved by then")
        #expect(plan.steps.first { $0.id == "pause" }?.willRun == true)
        #expect(plan.recovery.first?.willRun == true)
    }

    @Test func willRunIsTrueFalseOrDependsWithAReason() throws {
        let playbook = try Self.fixture()
        let start = TestPlaybooks.date("2021-10-04T15:39:00Z")
        var plan = try Planner.plan(playbook, .init(start: start))
        let pause = try #require(plan.steps.first { $0.id == "pause" })
        #expect(pause.willRun == nil)
        #expect(pause.reason?.contains("--set trigger.platforms") == true)
        #expect(plan.steps.first { $0.id == "late" }?.willRun == nil)

        let scope = Planner.scope(of: playbook)
        plan = try Planner.plan(playbook, .init(start: start, assignments: [try FactAssignment.parse("trigger.platforms=instagram", scope: scope)]))
        #expect(plan.steps.first { $0.id == "pause" }?.willRun == false)
        plan = try Planner.plan(playbook, .init(start: start, assignments: [try FactAssignment.parse("trigger.platforms=facebook,instagram", scope: scope)]))
        #expect(plan.steps.first { $0.id == "pause" }?.willRun == true)
        #expect(plan.steps.first { $0.id == "pause" }?.summary == "pause all active campaigns of act_123")
        #expect(plan.recovery.first?.willRun == true)
        #expect(plan.recovery.first?.start == nil)
    }

    @Test func thePlaybooksOwnIfStopsEverything() throws {
        let playbook = try Self.fixture()
        // Sunday 05:00 in Rome is 03:00 UTC.
        let plan = try Planner.plan(playbook, .init(start: TestPlaybooks.date("2021-10-03T03:00:00Z")))
        #expect(plan.playbookWillRun == false)
        #expect((plan.steps + plan.recovery).allSatisfy { $0.willRun == false })
    }

    @Test func deliveriesRespectConsentDuplicatesAndQuietHours() throws {
        let playbook = try Self.fixture()
        // 21:30 in Rome (19:30 UTC) is inside quiet hours there, 15:30 in New York is not.
        let plan = try Planner.plan(playbook, .init(start: TestPlaybooks.date("2021-10-04T19:30:00Z")))
        let counts = try #require(plan.steps.first { $0.id == "warn" }?.deliveries)
        // Ann: sms (deferred); Bob: sms; Cid: mail (no sms consent); Dee: no consent at all;
        // Eve: mail to ann@ is a new address on mail, so sent; Fay: an invalid email and no phone,
        // so reachable on neither (her row is kept: only the email is unusable).
        #expect(counts.byChannel == ["sms": 2, "mail": 2])
        #expect(counts.total == 4)
        #expect(counts.deferred == 1)
        #expect(counts.earliestDeferredUntil == TestPlaybooks.date("2021-10-05T06:00:00Z"))
        #expect(counts.unreachable == 2)
        #expect(counts.obstaclesByChannel == ["sms": [.noPhone: 3, .consentSMSNo: 1], "mail": [.noEmail: 1, .badEmail: 1]])
        #expect(plan.audience?.contacts == 7)
        #expect(plan.audience?.skippedRows == 0)
        #expect(plan.audience?.issues.warnings.map { "\($0.line):\($0.column) \($0.kind.rawValue)" } == ["7:7 invalid_email"])
    }

    @Test func jsonHasTheContractsFields() throws {
        let playbook = try Self.fixture()
        let plan = try Planner.plan(playbook, .init(start: TestPlaybooks.date("2021-10-04T15:39:00Z")))
        let data = Data(plan.rendered(.json).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["playbook"] as? String == "shop")
        #expect(object["trigger"] as? String == "meta-down")
        #expect(object["start"] as? String == "2021-10-04T15:39:00Z")
        let steps = try #require(object["steps"] as? [[String: Any]])
        let warn = try #require(steps.first)
        #expect(warn["id"] as? String == "warn")
        #expect(warn["action"] as? String == "notify")
        #expect(warn["offset_s"] as? Int == 0)
        #expect(warn["will_run"] as? Bool == true)
        #expect(warn["channels"] as? [String] == ["sms", "mail"])
        #expect(warn["deliveries"] as? Int == 4)
        #expect(warn["deferred"] as? Int == 0)
        #expect(steps[1]["will_run"] is NSNull)
        let recovery = try #require(object["recovery"] as? [[String: Any]])
        #expect(recovery.first?["offset_s"] as? Int == 0)
        #expect(recovery.first?["start"] == nil)
        let unpreviewable = try #require(object["unpreviewable"] as? [[String: Any]])
        #expect(unpreviewable.map { $0["id"] as? String } == ["pause", "late"])
    }

    @Test func everyFormatRenders() throws {
        let playbook = try Self.fixture()
        let plan = try Planner.plan(playbook, .init(start: TestPlaybooks.date("2021-10-04T15:39:00Z")))
        #expect(plan.rendered(.text).contains("+2h      19:39  depends"))
        #expect(plan.rendered(.markdown).contains("| +0s | 17:39 | `warn` | ✅ yes |"))
        let html = plan.rendered(.html)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
    }

    @Test func unknownTriggerIsAProblemWithASuggestion() throws {
        let playbook = try Self.fixture()
        #expect(throws: Planner.Problem.self) { try Planner.plan(playbook, .init(triggerID: "meta-dwn", start: Date())) }
    }
}
