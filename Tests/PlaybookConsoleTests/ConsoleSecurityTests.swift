import Foundation
import HTTPTypes
import PlaybookCore
import PlaybookEngine
import Testing

@testable import PlaybookConsole

/// Every change needs a session and its CSRF token (an approval link: its own token and the
/// page's CSRF token); a link decides only its own approval, once, before it expires; the token
/// never appears in a page.
@Suite struct ConsoleSecurityTests {
    static let changes = [
        "/incidents/\(ConsoleFixture.incidentID)/recover", "/incidents/\(ConsoleFixture.incidentID)/approvals/ask-owner", "/run/meta-outage", "/signout",
        "/incidents/\(ConsoleFixture.incidentID)/retry",
    ]

    @Test func everyChangeIsRefusedWithoutSessionAndCSRFToken() async throws {
        let fixture = try await ConsoleFixture()
        try await fixture.test { client in
            let session = try #require(try await client.signIn())
            let other = try #require(try await client.signIn())
            let otherCSRF = try #require(try await client.get("/", cookie: other).csrf)
            for path in Self.changes {
                let attempts: [(String?, [(String, String)])] = [
                    (nil, [("decision", "approve"), ("trigger", "manual")]),
                    (session, [("decision", "approve"), ("trigger", "manual")]),
                    (session, [("decision", "approve"), ("csrf", ""), ("trigger", "manual")]),
                    (session, [("decision", "approve"), ("csrf", otherCSRF), ("trigger", "manual")]),
                    (nil, [("decision", "approve"), ("csrf", otherCSRF), ("trigger", "manual")]),
                ]
                for (cookie, form) in attempts {
                    let page = try await client.post(path, cookie: cookie, form: form)
                    #expect(page.status == .forbidden, "\(path) with \(cookie == nil ? "no session" : "a session") and \(form)")
                }
            }
            #expect(fixture.backend.calls.withLock { $0 }.isEmpty)
            #expect(try await fixture.approval("ask-owner")?.status == .pending)
            // The session still works: sign-out was refused too.
            #expect(try await client.get("/", cookie: session).body.contains("<section id=\"playbooks\">"))
        }
    }

    @Test func withSessionAndCSRFTokenTheConsoleDecidesRecoversAndRuns() async throws {
        let fixture = try await ConsoleFixture()
        try await fixture.test { client in
            let session = try #require(try await client.signIn())
            let incident = try await client.get("/incidents/\(ConsoleFixture.incidentID)", cookie: session)
            #expect(incident.body.contains("<tr id=\"step-ask-owner\" data-status=\"waiting\">"))
            #expect(incident.body.contains("<svg id=\"timeline\" "))
            let csrf = try #require(incident.csrf)
            let decided = try await client.post(
                "/incidents/\(ConsoleFixture.incidentID)/approvals/ask-owner", cookie: session, form: [("csrf", csrf), ("decision", "deny")])
            #expect(decided.status == .seeOther)
            let record = try #require(try await fixture.approval("ask-owner"))
            #expect(record.status == .denied)
            #expect(record.decidedBy == "console")
            #expect(try await fixture.approval("ask-mail")?.status == .pending)

            let again = try await client.post(
                "/incidents/\(ConsoleFixture.incidentID)/approvals/ask-owner", cookie: session, form: [("csrf", csrf), ("decision", "approve")])
            #expect(again.status == .conflict)
            #expect(again.body.contains("already denied by console"))
            #expect(try await fixture.approval("ask-owner")?.status == .denied)

            let recovered = try await client.post("/incidents/\(ConsoleFixture.incidentID)/recover", cookie: session, form: [("csrf", csrf)])
            #expect(recovered.status == .seeOther)
            let ran = try await client.post("/run/meta-outage", cookie: session, form: [("csrf", csrf), ("trigger", "manual")])
            #expect(ran.status == .seeOther)
            #expect(ran.headers[.location] == "/incidents/\(ConsoleFixture.incidentID)")
            #expect(fixture.backend.calls.withLock { $0 } == ["recover meta-outage", "run meta-outage manual"])
        }
    }

    @Test func aLinkShowsWhatRunsAndDecidesOnlyWithItsPagesCSRFToken() async throws {
        let fixture = try await ConsoleFixture()
        let link = try #require(fixture.links["ask-owner"])
        try await fixture.test { client in
            let page = try await client.get("/approve/\(link)")
            #expect(page.status == .ok)
            #expect(page.body.contains("<ul id=\"will-run\">\n<li><code>pause-note</code>"))
            #expect(page.body.contains("Pause the ads? (this page)"))
            #expect(page.body.contains("<button class=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"))
            #expect(page.body.contains(">Deny</button>"))
            #expect(!page.body.contains(link), "the token is never written into the page")
            #expect(!page.body.contains("action="), "the form posts to the link itself")
            #expect(try await fixture.approval("ask-owner")?.status == .pending, "opening the link decides nothing")

            // A console session's CSRF token is not the link's.
            let session = try #require(try await client.signIn())
            let sessionCSRF = try #require(try await client.get("/", cookie: session).csrf)
            for form in [[("decision", "approve")], [("decision", "approve"), ("csrf", sessionCSRF)]] {
                let refused = try await client.post("/approve/\(link)", cookie: session, form: form)
                #expect(refused.status == .forbidden)
                #expect(refused.body.contains("CSRF"))
            }
            #expect(try await fixture.approval("ask-owner")?.status == .pending)

            let csrf = try #require(page.csrf)
            let decided = try await client.post("/approve/\(link)", form: [("csrf", csrf), ("decision", "approve")])
            #expect(decided.status == .ok)
            #expect(decided.body.contains("<p id=\"outcome\">Approved by link at "))
            #expect(!decided.body.contains(link))
            let record = try #require(try await fixture.approval("ask-owner"))
            #expect(record.status == .approved)
            #expect(record.decidedBy == "link")

            // Replayed, with the same CSRF token or after opening it again: it says so and changes nothing.
            let replay = try await client.post("/approve/\(link)", form: [("csrf", csrf), ("decision", "deny")])
            #expect(replay.status == .gone)
            #expect(replay.body.contains("already used"))
            let reopened = try await client.get("/approve/\(link)")
            #expect(reopened.status == .gone)
            #expect(!reopened.body.contains(">Approve</button>"))
            #expect(try await fixture.approval("ask-owner")?.status == .approved)
            #expect(try await fixture.approval("ask-mail")?.status == .pending, "the other approval is untouched")
        }
    }

    @Test func aLinkForOneApprovalCannotDecideAnother() async throws {
        let fixture = try await ConsoleFixture()
        let key = try fixture.journal.approvalKey()
        // Signed with the right key, but never issued: another incident, or this step with a nonce the journal does not hold.
        let otherIncident = ApprovalToken.issue(
            incident: "meta-outage-20261205T110000Z", step: "ask-owner", expiresAt: ConsoleFixture.start.addingTimeInterval(1200), key: key)
        let notIssued = ApprovalToken.issue(incident: ConsoleFixture.incidentID, step: "ask-owner", expiresAt: ConsoleFixture.start.addingTimeInterval(1200), key: key)
        let otherKey = ApprovalToken.issue(
            incident: ConsoleFixture.incidentID, step: "ask-owner", expiresAt: ConsoleFixture.start.addingTimeInterval(1200), key: ApprovalKey.generate())
        let mailLink = try #require(fixture.links["ask-mail"])
        try await fixture.test { client in
            for token in [otherIncident.encoded, notIssued.encoded, otherKey.encoded, String(mailLink.dropLast(4)), "not-a-token"] {
                let page = try await client.get("/approve/\(token)")
                #expect(page.status == .notFound, "\(page.body)")
                #expect(!page.body.contains(">Approve</button>"))
                let post = try await client.post("/approve/\(token)", form: [("csrf", "x"), ("decision", "approve")])
                #expect(post.status == .notFound)
            }
            // The mail approval's own link, page and CSRF token decide the mail approval only.
            let page = try await client.get("/approve/\(mailLink)")
            let decided = try await client.post("/approve/\(mailLink)", form: [("csrf", try #require(page.csrf)), ("decision", "deny")])
            #expect(decided.body.contains("Denied by link"))
        }
        #expect(try await fixture.approval("ask-owner")?.status == .pending)
        #expect(try await fixture.approval("ask-mail")?.status == .denied)
    }

    @Test func anExpiredLinkSaysSoAndChangesNothing() async throws {
        let fixture = try await ConsoleFixture()
        let link = try #require(fixture.links["ask-owner"])
        try await fixture.test { client in
            let csrf = try #require(try await client.get("/approve/\(link)").csrf)
            fixture.advance(to: ConsoleFixture.start.addingTimeInterval(1200))
            let page = try await client.get("/approve/\(link)")
            #expect(page.status == .gone)
            #expect(page.body.contains("expired at 2026-12-05T10:20:00Z"))
            let post = try await client.post("/approve/\(link)", form: [("csrf", csrf), ("decision", "approve")])
            #expect(post.status == .gone)
        }
        #expect(try await fixture.approval("ask-owner")?.status == .pending)
    }

    @Test func theAPIAnswersWithTheShapeOfStatusAndOnlyToASession() async throws {
        let fixture = try await ConsoleFixture()
        try await fixture.test { client in
            let refused = try await client.get("/api/incidents")
            #expect(refused.status == .unauthorized)
            let session = try #require(try await client.signIn())
            let list = try await client.get("/api/incidents", cookie: session)
            #expect(list.status == .ok)
            let incidents = try #require(try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [[String: Any]])
            #expect(incidents.map { $0["id"] as? String } == [ConsoleFixture.incidentID])
            let approvals = try #require(incidents.first?["approvals"] as? [[String: Any]])
            #expect(approvals.map { $0["status"] as? String } == ["pending", "pending"])
            let one = try await client.get("/api/incidents/\(ConsoleFixture.incidentID)", cookie: session)
            let incident = try #require(try JSONSerialization.jsonObject(with: Data(one.body.utf8)) as? [String: Any])
            #expect(incident["status"] as? String == "active")
            #expect(!one.body.contains(fixture.links["ask-owner"]!))
            #expect(try await client.get("/api/incidents/nope", cookie: session).status == .notFound)
        }
    }
}
