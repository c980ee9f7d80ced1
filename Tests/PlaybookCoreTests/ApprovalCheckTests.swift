import Foundation
import PlaybookCore
import Testing

/// Reading and checking `approve` steps: who is asked (channels that post, a segment's contacts
/// as `notify` reaches them), the text and its `approval.*` names, `timeout` and `on_timeout`,
/// each mistake reported at its line and column.
@Suite struct ApprovalCheckTests {
    /// A playbook with every kind of channel an approval may or may not use, and `STEPS` to fill.
    static func playbook(_ steps: String, templates: String = "") -> String {
        """
        version: 1
        playbook: approvals
        triggers: [{ id: t, manual: {} }]
        channels:
          team: { type: telegram, bot_token: "${env.TG_TOKEN}", chat_id: "@team" }
          nochat: { type: telegram, bot_token: "${env.TG_TOKEN}" }
          slack: { type: slack, webhook_url: "${env.SLACK_HOOK}" }
          mail: { type: smtp, host: smtp.example.com, from: "Shop <a@shop.example>" }
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.TW_TOKEN}", from: "+390000000000" }
          ads: { type: meta_ads, ad_account: act_1, access_token: "${env.META}" }
        audience:
          contacts: contacts.csv
          segments: { owners: "'owner' in contact.tags" }
        \(templates)
        steps:
        \(steps)
        """
    }

    /// `LINE:COL: severity: message` of every diagnostic, in order.
    static func diagnostics(_ yaml: String) -> [String] {
        PlaybookLoader.check(bytes: Array(yaml.utf8), path: "p.yaml", options: CheckOptions(dataFiles: .none)).diagnostics.map {
            "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)"
        }
    }

    static func approval(_ yaml: String) throws -> ApprovalRequest {
        let playbook = try #require(TestPlaybooks.load(yaml))
        return try #require(playbook.steps.first?.action.approvalRequest)
    }

    // MARK: - Reading

    @Test func theContractsExampleReadsWithItsTimeoutAndOnTimeout() throws {
        let request = try Self.approval(
            Self.playbook(
                """
                  - id: ask-owner
                    approve:
                      to: [team]
                      text: "Meta is down. Pause all ads and mail everyone? {{ approval.url }}"
                      timeout: 20m
                      on_timeout: approve
                  - id: pause-ads
                    after: [ask-owner]
                    pause_ads: { channel: ads, campaigns: all }
                """))
        #expect(request.to.map(\.value) == ["team"])
        #expect(request.segment == nil)
        #expect(request.timeout == 1_200)
        #expect(request.onTimeout == .approve)
    }

    @Test func timeoutDefaultsToThirtyMinutesAndDeny() throws {
        let request = try Self.approval(
            Self.playbook(
                """
                  - id: ask
                    approve: { segment: owners, via: [sms, mail], text: "Decide: {{ approval.url }} (until {{ approval.expires_at }})" }
                """))
        #expect(request.timeout == 1_800)
        #expect(request.onTimeout == .deny)
        #expect(request.segment?.value == "owners")
        #expect(request.via.map(\.value) == ["sms", "mail"])
    }

    @Test func aSegmentsContactsAndAChatCanBeAskedTogether() throws {
        let playbook = try #require(
            TestPlaybooks.load(
                Self.playbook(
                    """
                      - id: ask
                        approve: { to: [team, slack], segment: owners, via: [sms], text: "Decide: {{ approval.url }}" }
                    """)))
        #expect(playbook.steps[0].action.channels.map(\.value) == ["team", "slack", "sms"])
        #expect(playbook.steps[0].action.name == "approve")
    }

    @Test(arguments: [
        (
            "approve: { text: \"{{ approval.url }}\" }",
            "5:29: error: 'approve' of step 'ask' asks nobody; give 'to' (channels that can post, e.g. the team's chat) and/or 'segment' with 'via' (contacts, as notify reaches them)"
        ),
        (
            "approve: { segment: owners, text: \"{{ approval.url }}\" }",
            "5:31: error: 'approve' of step 'ask' gives 'segment' without 'via'; name the channels that reach its contacts, e.g. via: [sms]"
        ),
        (
            "approve: { to: [team], via: [sms], text: \"{{ approval.url }}\" }",
            "5:43: error: 'approve' of step 'ask' gives 'via' without 'segment'; name the segment whose contacts decide, or post with 'to'"
        ),
        ("approve: { to: [team] }", "5:29: error: 'approve' of step 'ask' needs 'template' or 'text'"),
        (
            "approve: { to: [team], text: \"{{ approval.url }}\", on_timeout: approved }",
            "5:83: error: 'on_timeout' in 'approve' of step 'ask' must be one of 'approve', 'deny', found 'approved'; did you mean 'approve'?"
        ),
        (
            "approve: { to: [team], text: \"{{ approval.url }}\", timeout: 0s }",
            "5:80: error: 'timeout' in 'approve' of step 'ask' must be longer than 0s: people need time to decide"
        ),
        (
            "approve: { to: [team], text: \"{{ approval.url }}\", timeout: 20 }",
            "5:80: error: 'timeout' in 'approve' of step 'ask' is a bare number '20'; add a unit: '20s', '20m', '20h' or '20d'"
        ),
        (
            "approve: { to: [team], text: \"{{ approval.url }}\", on_timout: deny }",
            "5:71: error: unknown key 'on_timout' in 'approve' of step 'ask'; did you mean 'on_timeout'?"
        ),
    ])
    func readingMistakesArePointedAt(_ action: String, _ expected: String) {
        let found = Self.diagnostics(Self.minimal(action))
        #expect(found.contains(expected), "\(found)")
    }

    /// A playbook whose only step is `ask` with the given action line, at line 5.
    static func minimal(_ action: String) -> String {
        """
        version: 1
        playbook: approvals
        triggers: [{ id: t, manual: {} }]
        channels: { team: { type: telegram, bot_token: "${env.TG_TOKEN}", chat_id: "@team" }, sms: { type: twilio, account_sid: AC1, auth_token: "${env.TW}", from: "+390000000000" } }
        steps: [{ id: ask, \(action) }]
        audience: { contacts: contacts.csv, segments: { owners: "true" } }
        """
    }

    @Test func aTimeoutBesideApproveIsTheCallsNotThePeoples() {
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - id: ask
                    timeout: 20m
                    approve: { to: [team], text: "{{ approval.url }}" }
                """))
        #expect(
            found == [
                "17:5: warning: 'timeout' of step 'ask' bounds each call that sends the request; the time people have to decide is 'timeout' under 'approve' (default 30m)"
            ])
    }

    // MARK: - Channels

    @Test func toNeedsChannelsThatCanPost() {
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - id: ask
                    approve: { to: [mail, ads], text: "{{ approval.url }}" }
                """))
        #expect(
            found == [
                "17:21: error: step 'ask': 'to' of 'approve' needs a channel that can post (webhook, slack, discord, telegram, mastodon, bluesky, x or file); channel 'mail' is of type smtp; to ask contacts on it, use 'segment' and 'via'",
                "17:27: error: step 'ask': 'to' of 'approve' needs a channel that can post (webhook, slack, discord, telegram, mastodon, bluesky, x or file); channel 'ads' is of type meta_ads",
            ])
    }

    @Test func viaNeedsChannelsThatReachAContact() {
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - id: ask
                    approve: { segment: owners, via: [slack], text: "{{ approval.url }}" }
                """))
        #expect(
            found == [
                "17:39: error: step 'ask': 'via' of 'approve' needs a channel that can reach a contact (smtp, twilio, webhook, telegram or file); channel 'slack' is of type slack; to post the request on it, put it in 'to'"
            ])
    }

    @Test func unknownChannelsAndSegmentsGetSuggestions() {
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - id: ask
                    approve: { to: [teem], segment: owner, via: [sms], text: "{{ approval.url }}" }
                """))
        #expect(
            found == [
                "17:21: error: step 'ask' uses unknown channel 'teem'; did you mean 'team'?",
                "17:37: error: step 'ask' notifies unknown segment 'owner'; did you mean 'owners'?",
            ])
    }

    @Test func postingOnATelegramChannelNeedsItsChat() {
        let found = Self.diagnostics(Self.playbook("  - { id: ask, approve: { to: [nochat], text: \"{{ approval.url }}\" } }"))
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("16:32: error: step 'ask' posts on telegram channel 'nochat', which has no 'chat_id'") == true, "\(found)")
    }

    @Test func aStaticRequestOverTheNetworksLimitIsAnError() {
        let long = String(repeating: "a", count: 300)
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - id: ask
                    approve: { to: [slack, x], text: "\(long) {{ approval.url }}" }
                """
            ).replacingOccurrences(of: "  ads:", with: "  x: { type: x, token: \"${env.X_TOKEN}\" }\n  ads:"))
        #expect(found == [], "a templated text is measured when it is rendered")
    }

    // MARK: - Text

    @Test func approvalNamesAreKnownInTheRequestAndNowhereElse() {
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - id: ask
                    approve: { to: [team], text: "{{ approval.url }} until {{ approval.expires_at }}" }
                  - id: tell
                    post: { to: [team], text: "see {{ approval.url }}" }
                  - id: log
                    log: { message: "{{ approval.expires_at }}" }
                """))
        #expect(
            found == [
                "19:39: error: the text of step 'tell' names {{ approval.url }}: 'approval.*' is known only in the text of an 'approve' step's request (its link and when it expires)",
                "21:25: error: the message of step 'log' names {{ approval.expires_at }}: 'approval.*' is known only in the text of an 'approve' step's request (its link and when it expires)",
            ])
    }

    @Test func anUnknownApprovalFieldGetsASuggestion() {
        let found = Self.diagnostics(Self.playbook("  - { id: ask, approve: { to: [team], text: \"{{ approval.ur }} {{ approval.url }}\" } }"))
        #expect(found == ["16:49: error: the text of step 'ask' names {{ approval.ur }}: unknown name 'approval.ur'; did you mean 'approval.url'?"])
    }

    @Test func aRequestPostedOnAChatHasNoContactButOneSentToContactsHas() {
        let posted = Self.diagnostics(
            Self.playbook("  - { id: ask, approve: { to: [team], segment: owners, via: [sms], text: \"Hi {{ contact.name }} {{ approval.url }}\" } }"))
        #expect(
            posted == [
                "16:74: error: the request of step 'ask' names 'contact', but it is also posted on 'team', where there is no contact; drop the contact fields, or ask only the segment (without 'to')"
            ])
        let sent = Self.diagnostics(
            Self.playbook("  - { id: ask, approve: { segment: owners, via: [sms], text: \"Hi {{ contact.name }} {{ approval.url }}\" } }"))
        #expect(sent == [])
    }

    @Test func aTemplateNamingApprovalServesApproveStepsOnly() {
        let templates = """
            templates:
              ask-mail: { subject: "Decide", text: "Decide here: {{ approval.url }}" }
              unused: { text: "{{ approval.url }}" }
            """
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - id: ask
                    approve: { segment: owners, via: [mail], template: ask-mail }
                  - id: mail-all
                    notify: { segment: owners, via: [mail], template: ask-mail }
                """, templates: templates))
        #expect(
            found == [
                "16:23: error: the text of template 'unused' names {{ approval.url }}: 'approval.*' is known only in the text of an 'approve' step's request (its link and when it expires)",
                "21:55: error: step 'mail-all' uses template 'ask-mail', which names 'approval': only the request of an 'approve' step has an approval link; use another template here",
            ])
    }

    @Test func aRequestWithoutTheLinkIsWarnedAbout() {
        let found = Self.diagnostics(Self.playbook("  - { id: ask, approve: { to: [team], text: \"Pause the ads? Answer in the console.\" } }"))
        #expect(
            found == [
                "16:45: warning: the request of step 'ask' has no {{ approval.url }}: the people it reaches get no link to decide with (only 'playbook approve' or the console can)"
            ])
    }

    // MARK: - Outcome

    @Test func stepsReadTheApprovalsStatusLikeAnyOther() {
        let found = Self.diagnostics(
            Self.playbook(
                """
                  - { id: ask, approve: { to: [team], text: "{{ approval.url }}" } }
                  - { id: denied, after: [ask], if: "steps.ask.status == 'failed'", post: { to: [team], text: "Not pausing." } }
                  - { id: typo, after: [ask], if: "steps.ask.status == 'denied'", post: { to: [team], text: "x" } }
                """))
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("18:56: error: in the 'if' of step 'typo': 'steps.ask.status' is never 'denied'") == true, "\(found)")
    }
}

/// A request's text renders `approval.url` and `approval.expires_at`, through the compiled path
/// and through swift-mustache alike.
@Suite struct ApprovalRenderingTests {
    @Test(arguments: [
        "Pause the ads? {{ approval.url }} (until {{ approval.expires_at }})",
        "{{#approval.url}}Pause the ads? {{ approval.url }}{{/approval.url}} (until {{{ approval.expires_at }}})",
    ])
    func theLinkAndItsExpiryRender(_ text: String) throws {
        let facts = Facts(
            trigger: [:], triggerID: "t", triggerKind: "manual", triggerTypes: [:], incidentID: "i", startedAt: TestPlaybooks.date("2021-10-04T15:39:00Z"),
            elapsed: 0, now: nil, active: true, timezone: TimeZone(identifier: "UTC")!, vars: .object([]))
        let values = MessageValues(facts: facts).withApproval(url: "https://console.example/approve/abc", expiresAt: TestPlaybooks.date("2021-10-04T15:59:00Z"))
        let renderer = try MessageRenderer(subject: nil, text: text, html: nil)
        let rendered = renderer.render(contact: nil, values: values).text
        #expect(rendered == "Pause the ads? https://console.example/approve/abc (until 2021-10-04T15:59:00Z)")
        #expect(renderer.referenceRender(values.untyped).text == rendered)
    }
}
