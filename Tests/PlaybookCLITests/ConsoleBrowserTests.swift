import Foundation
import PlaybookTestSupport
import Testing

/// The console and approval links in a real headless Chromium (Support/console_browser.py),
/// against `playbook run --listen`: the owner on a phone approves from the link the run sent to
/// their phone, and only then are the ads paused; a denial; an expired link; signing in,
/// watching the incident move without a reload, a POST without its CSRF token refused, and
/// recovering from the console. The tests write the screenshots docs/console.md shows.
///
/// Serialized: each scenario starts a browser, and two at once on two cores only make both slow.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let pauseAds = """
        version: 1
        playbook: meta-outage
        triggers: [{ id: manual, manual: {} }]
        channels:
          phone: { type: webhook, url: "INBOX/owner" }
          ads: { type: meta_ads, ad_account: "act_1234567890", access_token: "${env.META_TOKEN}", base_url: "INBOX" }
        steps:
          - id: ask-owner
            approve: { to: [phone], text: "Meta is down. Pause all ads? {{ approval.url }}", timeout: 10m }
          - { id: pause-ads, after: [ask-owner], pause_ads: { channel: ads, campaigns: all } }
        """

    @Test func theOwnerApprovesFromALinkOnAPhoneAndOnlyThenAreTheAdsPaused() async throws {
        let run = try await ConsoleRun(Self.pauseAds)
        let link = try await run.link(containing: "Pause all ads?")
        #expect(run.paused.isEmpty, "nothing is paused before the decision")
        let result = try await BrowserDriver.run(
            "approve-link", url: link, ["--width", "360", "--height", "780", "--screenshot", run.screenshot("approval-link-phone.png")])
        #expect(result.ok, "\(result.detail ?? "") — \(result.text)")
        #expect(!(result.detail ?? "").contains("wider than"), "the link's page fits a 360-px phone: \(result.detail ?? "")")
        #expect(try await run.exit() == 0, "\(run.stderr.text)")
        #expect(run.stderr.text.contains("ask-owner: succeeded — approved by link at "), "\(run.stderr.text)")
        #expect(run.paused.count == 1, "\(run.paused)")
        #expect(run.paused.first?.hasPrefix("120210000000001 ") == true)
        #expect(run.paused.first?.contains("status=PAUSED") == true, "\(run.paused)")
        let token = String(link.split(separator: "/").last ?? "")
        #expect(!run.stderr.text.contains(token), "the link's token is never printed")
        // Nor kept: not in the journal's database, its WAL, or anything else in the state.
        let state = run.directory.appendingPathComponent(".playbook")
        for name in try FileManager.default.contentsOfDirectory(atPath: state.path) {
            let bytes = try Data(contentsOf: state.appendingPathComponent(name))
            #expect(bytes.range(of: Data(token.utf8)) == nil, "the token is in .playbook/\(name)")
        }
    }

    @Test func theOwnerDeniesFromTheLinkAndTheAdsStayOn() async throws {
        let run = try await ConsoleRun(Self.pauseAds)
        let link = try await run.link(containing: "Pause all ads?")
        let result = try await BrowserDriver.run("deny-link", url: link, ["--width", "360", "--height", "780"])
        #expect(result.ok, "\(result.detail ?? "") — \(result.text)")
        #expect(try await run.exit() == 3, "a denied approval fails the run: \(run.stderr.text)")
        #expect(run.stderr.text.contains("denied by link"), "\(run.stderr.text)")
        #expect(run.paused.isEmpty)
        // The run has ended and its listener with it; the journal keeps the decision.
        let status = try await PlaybookBinary.run(["status", "meta.yaml", "--format", "json"], in: run.directory)
        #expect(status.stdout.contains("\"decided_by\" : \"link\"") || status.stdout.contains("\"decided_by\": \"link\""), "\(status.stdout)")
    }

    @Test func anExpiredLinkSaysSoAndTheConsoleDecidesTheOtherApproval() async throws {
        let run = try await ConsoleRun(
            """
            version: 1
            playbook: meta-outage
            triggers: [{ id: manual, manual: {} }]
            channels:
              phone: { type: webhook, url: "INBOX/owner" }
            steps:
              - id: ask-quick
                approve: { to: [phone], text: "Quick one? {{ approval.url }}", timeout: 2s }
              - id: ask-owner
                approve: { to: [phone], text: "Mail everyone? {{ approval.url }}", timeout: 10m }
              - { id: mail-note, after: [ask-owner], log: { message: "mailing everyone" } }
            """)
        let quick = try await run.link(containing: "Quick one?")
        let incident = try await run.incidentID()
        #expect(await eventually(within: 30) { run.stderr.text.contains("ask-quick: failed") }, "\(run.stderr.text)")
        let expired = try await BrowserDriver.run("expired-link", url: quick, ["--width", "360", "--height", "780", "--screenshot", run.screenshot("expired-link-phone.png")])
        #expect(expired.ok, "\(expired.detail ?? "") — \(expired.text)")

        let decided = try await BrowserDriver.run(
            "approve-console", url: run.base + "/", ["--token", ConsoleRun.token, "--incident", incident, "--step", "ask-owner", "--width", "1280", "--height", "900"],
            timeout: 30)
        #expect(decided.ok, "\(decided.detail ?? "") — \(decided.text)")
        #expect(try await run.exit() == 3, "ask-quick timed out and was denied: \(run.stderr.text)")
        #expect(run.stderr.text.contains("ask-owner: succeeded — approved by console at "), "\(run.stderr.text)")
        #expect(run.stderr.text.contains("mailing everyone"))
    }

    @Test func signInWatchTheIncidentMoveRefuseACSRFLessPostAndRecover() async throws {
        let run = try await ConsoleRun(
            """
            version: 1
            playbook: meta-outage
            triggers: [{ id: manual, manual: {} }]
            channels:
              phone: { type: webhook, url: "INBOX/owner" }
            steps:
              - { id: first-note, log: { message: "telling the team" } }
              - { id: hold-on, after: [first-note], wait: { for: 4s } }
              - { id: second-note, after: [hold-on], log: { message: "still down" } }
              - id: ask-owner
                approve: { to: [phone], text: "Pause all ads? {{ approval.url }}", timeout: 10m }
            recovery:
              - { id: all-clear, post: { to: [phone], text: "We are back." } }
            """)
        let incident = try await run.incidentID()
        let signIn = try await BrowserDriver.run(
            "signin", url: run.base + "/", ["--token", ConsoleRun.token, "--width", "1280", "--height", "800", "--screenshot", run.screenshot("home-desktop.png")])
        #expect(signIn.ok, "\(signIn.detail ?? "") — \(signIn.text)")
        _ = try await BrowserDriver.run(
            "signin", url: run.base + "/", ["--token", ConsoleRun.token, "--width", "360", "--height", "780", "--screenshot", run.screenshot("home-phone.png")])

        let watched = try await BrowserDriver.run(
            "watch-incident", url: run.base + "/",
            ["--token", ConsoleRun.token, "--incident", incident, "--expect-status", "second-note=succeeded", "--expect-status", "ask-owner=waiting",
             "--width", "360", "--height", "780", "--screenshot", run.screenshot("incident-phone.png")], timeout: 30)
        #expect(watched.ok, "\(watched.detail ?? "") — \(watched.text)")
        #expect(!(watched.detail ?? "").contains("wider than"), "the incident page fits a 360-px phone: \(watched.detail ?? "")")
        _ = try await BrowserDriver.run(
            "watch-incident", url: run.base + "/",
            ["--token", ConsoleRun.token, "--incident", incident, "--expect-status", "ask-owner=waiting", "--width", "1280", "--height", "900",
             "--screenshot", run.screenshot("incident-desktop.png")])

        let forged = try await BrowserDriver.run(
            "csrf-less-post", url: run.base + "/", ["--token", ConsoleRun.token, "--post-path", "/incidents/\(incident)/recover"])
        #expect(forged.ok, "\(forged.detail ?? "") — \(forged.text)")
        #expect(forged.statusCode == 403)
        #expect(!run.stderr.text.contains("all-clear"), "the refused POST recovered nothing")

        let recovered = try await BrowserDriver.run("recover", url: run.base + "/", ["--token", ConsoleRun.token, "--incident", incident], timeout: 30)
        #expect(recovered.ok, "\(recovered.detail ?? "") — \(recovered.text)")
        #expect(try await run.exit() == 0, "\(run.stderr.text)")
        #expect(run.stderr.text.contains("all-clear: succeeded"), "\(run.stderr.text)")
        #expect(run.received.contains { $0.contains("We are back.") })
    }

    @Test func fromTheWatchConsoleAPlaybookRunsByHandAndRecovers() async throws {
        let watch = try await ConsoleRun(
            """
            version: 1
            playbook: meta-outage
            triggers: [{ id: manual, manual: {} }]
            channels:
              phone: { type: webhook, url: "INBOX/owner" }
            steps:
              - { id: first-note, log: { message: "telling the team" } }
              - id: ask-owner
                approve: { to: [phone], text: "Pause all ads? {{ approval.url }}", timeout: 10m }
            recovery:
              - { id: all-clear, post: { to: [phone], text: "We are back." } }
            """, command: ["watch", "meta.yaml", "--log-format", "human"])
        let ran = try await BrowserDriver.run(
            "run-by-hand", url: watch.base + "/",
            ["--token", ConsoleRun.token, "--playbook", "meta-outage", "--trigger", "manual", "--width", "360", "--height", "780",
             "--screenshot", watch.screenshot("run-by-hand-phone.png")], timeout: 30)
        #expect(ran.ok, "\(ran.detail ?? "") — \(ran.text)")
        #expect(!(ran.detail ?? "").contains("wider than"), "the run page fits a 360-px phone: \(ran.detail ?? "")")
        let incident = try await watch.incidentID()
        #expect(ran.detail?.contains(incident) == true, "\(ran.detail ?? "")")
        _ = try await watch.link(containing: "Pause all ads?")

        let recovered = try await BrowserDriver.run("recover", url: watch.base + "/", ["--token", ConsoleRun.token, "--incident", incident], timeout: 30)
        #expect(recovered.ok, "\(recovered.detail ?? "") — \(recovered.text)")
        #expect(await eventually(within: 30) { watch.received.contains { $0.contains("We are back.") } }, "\(watch.stderr.text)")
        #expect(await eventually(within: 30) { watch.stderr.text.contains("ask-owner: skipped — the incident resolved") }, "\(watch.stderr.text)")
        watch.run.signal(SIGTERM)
        #expect(try await watch.exit() == 0, "\(watch.stderr.text)")
    }

    @Test func fromTheWatchConsoleWhatFailedIsSentAgainOnceTheCauseIsFixed() async throws {
        let watch = try await ConsoleRun(
            """
            version: 1
            playbook: shop
            triggers: [{ id: manual, manual: {} }]
            channels:
              outbox: { type: file, path: outbox.jsonl }
            steps:
              - { id: tell, retry: { attempts: 1 }, post: { to: [outbox], text: "We are open on the web shop" } }
            """, command: ["watch", "meta.yaml", "--log-format", "human"])
        // The outbox cannot be written while a directory stands in its place.
        let outbox = watch.directory.appendingPathComponent("outbox.jsonl")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: false)
        let ran = try await BrowserDriver.run(
            "run-by-hand", url: watch.base + "/", ["--token", ConsoleRun.token, "--playbook", "shop", "--trigger", "manual"], timeout: 30)
        #expect(ran.ok, "\(ran.detail ?? "") — \(ran.text)")
        let incident = try await watch.incidentID()
        let failed = try await BrowserDriver.run(
            "watch-incident", url: watch.base + "/",
            ["--token", ConsoleRun.token, "--incident", incident, "--expect-status", "tell=failed", "--width", "360", "--height", "780",
             "--screenshot", watch.screenshot("retry-phone.png")], timeout: 30)
        #expect(failed.ok, "\(failed.detail ?? "") — \(failed.text)")
        #expect(failed.text.contains("Retry what failed"), "\(failed.text)")

        try FileManager.default.removeItem(at: outbox)
        let retried = try await BrowserDriver.run(
            "retry", url: watch.base + "/", ["--token", ConsoleRun.token, "--incident", incident, "--expect-status", "tell=succeeded"], timeout: 30)
        #expect(retried.ok, "\(retried.detail ?? "") — \(retried.text)")
        let sent = try String(contentsOf: outbox, encoding: .utf8).split(separator: "\n")
        #expect(sent.count == 1, "\(sent)")
        #expect(sent.first?.contains("We are open on the web shop") == true)
        #expect(watch.stderr.text.contains("sending again what failed in tell, asked from the console"), "\(watch.stderr.text)")
        watch.run.signal(SIGTERM)
        #expect(try await watch.exit() == 0, "\(watch.stderr.text)")
    }
}
