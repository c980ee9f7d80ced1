import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// What `plan` says of an approval: it and the steps that name it in `after` depend on a
/// person's decision (`will_run: null`), in every format; the gate is direct; a step whose `if`
/// reads the approval's status decides alone; an approval skipped by its `if` gates like a denial.
@Suite struct ApprovalPlanTests {
    static let yaml = """
        version: 1
        playbook: approve-ads
        triggers: [{ id: meta-down, manual: {} }]
        channels:
          team: { type: telegram, bot_token: "${env.TG_TOKEN}", chat_id: "@team" }
          ads: { type: meta_ads, ad_account: act_1, access_token: "${env.META}" }
          out: { type: file, path: out.jsonl }
        steps:
          - id: ask-owner
            approve: { to: [team], text: "Pause all ads? {{ approval.url }}", timeout: 20m, on_timeout: approve }
          - id: pause-ads
            after: [ask-owner]
            pause_ads: { channel: ads, campaigns: all }
          - id: tell-denied
            after: [ask-owner]
            if: "steps.ask-owner.status == 'failed'"
            post: { to: [out], text: "Ads keep running." }
          - id: after-pause
            after: [pause-ads]
            post: { to: [out], text: "Paused, or tried to." }
          - id: unrelated
            post: { to: [out], text: "We are still open." }
        """

    static let start = TestPlaybooks.date("2021-10-04T15:39:00Z")

    static func plan(_ yaml: String = yaml, approvals: [String: ApprovalDecision] = [:]) throws -> Plan {
        let playbook = try #require(TestPlaybooks.load(yaml))
        return try Planner.plan(playbook, .init(start: start, includeContacts: false, approvals: approvals))
    }

    static func steps(_ plan: Plan) -> [String: PlannedStep] {
        Dictionary((plan.steps + plan.recovery).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func theApprovalAndTheStepsItGatesDependOnTheDecision() throws {
        let steps = Self.steps(try Self.plan())
        #expect(steps["ask-owner"]?.willRun == nil)
        #expect(steps["ask-owner"]?.awaitsApproval == "ask-owner")
        #expect(steps["ask-owner"]?.reason == "waits for a person to approve or deny, which happens at run time")
        #expect(steps["pause-ads"]?.willRun == nil)
        #expect(steps["pause-ads"]?.awaitsApproval == "ask-owner")
        #expect(steps["pause-ads"]?.reason == "runs only if 'ask-owner' is approved, which a person decides at run time")
        #expect(steps["tell-denied"]?.willRun == nil, "its if reads the approval's status, which a person decides")
        #expect(steps["tell-denied"]?.awaitsApproval == "ask-owner")
    }

    @Test func theGateIsDirect() throws {
        let steps = Self.steps(try Self.plan())
        #expect(steps["after-pause"]?.willRun == true, "after orders: a step after a gated step is not gated")
        #expect(steps["after-pause"]?.awaitsApproval == nil)
        #expect(steps["unrelated"]?.willRun == true)
        #expect(steps["pause-ads"]?.offset == 0, "in a plan an approval lasts 0")
    }

    @Test func aGatedStepWhoseOwnIfIsFalseIsSkippedWhateverTheDecision() throws {
        let yaml = Self.yaml.replacingOccurrences(
            of: "    after: [ask-owner]\n    pause_ads:", with: "    after: [ask-owner]\n    if: \"now.hour == 3\"\n    pause_ads:")
        let steps = Self.steps(try Self.plan(yaml))
        #expect(steps["pause-ads"]?.willRun == false)
        #expect(steps["pause-ads"]?.awaitsApproval == nil)
    }

    @Test func anApprovalSkippedByItsIfGatesLikeADenial() throws {
        let yaml = Self.yaml.replacingOccurrences(of: "  - id: ask-owner\n", with: "  - id: ask-owner\n    if: \"now.hour == 3\"\n")
        let steps = Self.steps(try Self.plan(yaml))
        #expect(steps["ask-owner"]?.willRun == false)
        #expect(steps["pause-ads"]?.willRun == false)
        #expect(steps["pause-ads"]?.reason == "approval 'ask-owner' is skipped, which gates like a denial")
        #expect(steps["tell-denied"]?.willRun == false, "a skipped step's status is 'skipped', not 'failed'")
    }

    @Test func theRequestToContactsIsCountedLikeNotifyAndNeverHeldByQuietHours() throws {
        let folder = TestScratch.root.appendingPathComponent("approval-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        id,name,email,phone,tags,consent_email,consent_sms,timezone,locale
        1,Ada,ada@shop.example,+393331112222,owner,yes,yes,Europe/Rome,it
        2,Bob,bob@shop.example,+393331112223,owner,yes,no,Europe/Rome,it
        3,Cy,cy@shop.example,,staff,yes,yes,Europe/Rome,it
        """.write(to: folder.appendingPathComponent("team.csv"), atomically: true, encoding: .utf8)
        let yaml = """
            version: 1
            playbook: ask-owners
            triggers: [{ id: t, manual: {} }]
            channels:
              sms: { type: twilio, account_sid: AC1, auth_token: "${env.TW_TOKEN}", from: "+390000000000" }
              mail: { type: smtp, host: smtp.example.com, from: "Shop <a@shop.example>" }
            audience: { contacts: team.csv, segments: { owners: "'owner' in contact.tags" } }
            settings: { quiet_hours: "00:00-23:59" }
            steps:
              - { id: ask, approve: { segment: owners, via: [sms, mail], text: "Decide: {{ approval.url }}" } }
              - { id: tell, notify: { segment: owners, via: [sms, mail], message: { text: "Hi" } } }
            """
        let path = folder.appendingPathComponent("p.yaml").path
        let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: path)
        let playbook = try #require(result.playbook)
        #expect(result.isValid)
        let plan = try Planner.plan(playbook, .init(start: Self.start))
        let steps = Self.steps(plan)
        #expect(
            steps["ask"]?.summary == "ask for approval of segment 'owners' via sms, mail with “Decide: {{ approval.url }}”; undecided after 30m it is denied")
        #expect(steps["ask"]?.deliveries?.total == 2)
        #expect(steps["ask"]?.deliveries?.byChannel == ["sms": 1, "mail": 1])
        #expect(steps["ask"]?.deliveries?.deferred == 0, "an approval request is never held by quiet hours")
        #expect(steps["tell"]?.deliveries?.deferred == 1, "the same SMS in a notify waits for the end of quiet hours")
    }

    // MARK: - Formats

    @Test func jsonSaysNullAndNamesTheApproval() throws {
        let json = try Self.plan().rendered(.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let steps = try #require(object["steps"] as? [[String: Any]])
        let byID = Dictionary(steps.map { ($0["id"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        let ask = try #require(byID["ask-owner"])
        #expect(ask["action"] as? String == "approve")
        #expect(ask["will_run"] is NSNull)
        #expect(ask["awaits_approval"] as? String == "ask-owner")
        #expect(ask["channels"] as? [String] == ["team"])
        let approval = try #require(ask["approval"] as? [String: Any])
        #expect((approval["timeout_s"] as? NSNumber)?.doubleValue == 1_200)
        #expect(approval["on_timeout"] as? String == "approve")
        #expect(approval["expires"] as? String == "2021-10-04T15:59:00Z")
        #expect(approval["decision"] == nil)
        #expect(byID["pause-ads"]?["will_run"] is NSNull)
        #expect(byID["pause-ads"]?["awaits_approval"] as? String == "ask-owner")
        #expect(byID["after-pause"]?["will_run"] as? Bool == true)
        #expect(byID["after-pause"]?["awaits_approval"] == nil)
        let unpreviewable = try #require(object["unpreviewable"] as? [[String: String]])
        #expect(unpreviewable.map { $0["id"] } == ["ask-owner", "pause-ads", "tell-denied"])
    }

    @Test func textShowsWhoWaitsForTheDecision() throws {
        let text = try Self.plan().rendered(.text)
        let lines = text.split(separator: "\n").map(String.init)
        let ask = try #require(lines.first { $0.contains("ask-owner") && $0.contains("ask for approval") })
        #expect(ask.contains("awaits approval"))
        #expect(ask.contains("ask for approval on team with “Pause all ads? {{ approval.url }}”; undecided after 20m it is approved"))
        let pause = try #require(lines.first { $0.contains(" pause-ads ") })
        #expect(pause.contains("awaits approval"))
        #expect(text.contains("runs only if 'ask-owner' is approved, which a person decides at run time\n"))
        #expect(!text.contains("if: runs only if"), "the decision is a person's, not an if")
        let after = try #require(lines.first { $0.contains(" after-pause ") })
        #expect(after.contains("will run"))
    }

    @Test func markdownShowsTheApprovalInTheRunsColumn() throws {
        let markdown = try Self.plan().rendered(.markdown)
        let row = try #require(markdown.split(separator: "\n").first { $0.contains("`pause-ads`") })
        #expect(row.contains("| ✋ awaits approval |"))
        #expect(row.contains("_runs only if 'ask-owner' is approved, which a person decides at run time_"))
        let ask = try #require(markdown.split(separator: "\n").first { $0.contains("`ask-owner`") })
        #expect(ask.contains("| ✋ awaits approval |"))
    }

    @Test func htmlShowsTheApprovalInTheTableAndTheTimeline() throws {
        let html = try Self.plan().rendered(.html)
        #expect(html.contains("<td><code>pause-ads</code></td><td class=\"awaits-approval\">awaits approval</td>"))
        #expect(html.contains("<td><code>ask-owner</code></td><td class=\"awaits-approval\">awaits approval</td>"))
        #expect(html.contains(">approve · awaits approval</text>"), "the timeline's lane label")
        #expect(html.contains(">pause_ads · awaits approval</text>"))
        #expect(html.contains("<title>pause-ads: pause all active campaigns of act_1 (+0s, awaits approval)</title>"))
    }

    // MARK: - Decisions (scenario files)

    @Test(arguments: [
        (ApprovalDecision.approve, true, "succeeded"),
        (.deny, false, "failed"),
        (.timeout, true, "succeeded"),  // on_timeout: approve
    ])
    func aDecisionSettlesTheGate(_ decision: ApprovalDecision, _ pauses: Bool, _ status: String) throws {
        let steps = Self.steps(try Self.plan(approvals: ["ask-owner": decision]))
        #expect(steps["ask-owner"]?.willRun == true, "the request is sent whatever the decision")
        #expect(steps["ask-owner"]?.awaitsApproval == nil)
        #expect(steps["ask-owner"]?.approval?.decision == decision)
        #expect(steps["pause-ads"]?.willRun == pauses)
        #expect(steps["tell-denied"]?.willRun == (status == "failed"))
    }

    @Test func aTimeoutLandsAtTheApprovalsOffsetPlusItsTimeout() throws {
        let steps = Self.steps(try Self.plan(approvals: ["ask-owner": .timeout]))
        #expect(steps["pause-ads"]?.offset == 1_200)
        #expect(steps["after-pause"]?.offset == 1_200)
        #expect(steps["ask-owner"]?.duration == 1_200)
        let approved = Self.steps(try Self.plan(approvals: ["ask-owner": .approve]))
        #expect(approved["pause-ads"]?.offset == 0, "a decision lands at the approval's offset")
    }

    @Test func aTimeoutWithTheDefaultOnTimeoutDenies() throws {
        let yaml = Self.yaml.replacingOccurrences(of: ", on_timeout: approve", with: "")
        let steps = Self.steps(try Self.plan(yaml, approvals: ["ask-owner": .timeout]))
        #expect(steps["pause-ads"]?.willRun == false)
        #expect(steps["pause-ads"]?.reason == "approval 'ask-owner' times out, which denies it (on_timeout: deny)")
        #expect(steps["tell-denied"]?.willRun == true)
    }

    @Test func anApprovalGatedByAnotherWaitsForBoth() throws {
        let yaml =
            Self.yaml + """

                  - id: ask-accountant
                    after: [ask-owner]
                    approve: { to: [team], text: "And the budget? {{ approval.url }}" }
                  - id: mail-everyone
                    after: [ask-accountant]
                    post: { to: [out], text: "Mail." }
                """
        let undecided = Self.steps(try Self.plan(yaml))
        #expect(undecided["ask-accountant"]?.willRun == nil)
        #expect(undecided["ask-accountant"]?.awaitsApproval == "ask-owner")
        #expect(undecided["mail-everyone"]?.willRun == nil)
        let denied = Self.steps(try Self.plan(yaml, approvals: ["ask-owner": .deny]))
        #expect(denied["ask-accountant"]?.willRun == false)
        #expect(denied["mail-everyone"]?.willRun == false, "the denied owner skips the accountant's approval, which gates like a denial")
        let both = Self.steps(try Self.plan(yaml, approvals: ["ask-owner": .approve, "ask-accountant": .approve]))
        #expect(both["mail-everyone"]?.willRun == true)
    }
}
