import Foundation
import HTTPTypes
import Testing

@testable import PlaybookConsole

/// Signing in with the console token: the form, the cookie's attributes, and the console being
/// off (404 with how to turn it on) while approval links still work.
@Suite struct ConsoleSignInTests {
    @Test func withoutATokenTheConsoleIsOffButApprovalLinksWork() async throws {
        let fixture = try await ConsoleFixture(consoleToken: nil)
        let link = try #require(fixture.links["ask-owner"])
        try await fixture.test { client in
            for path in ["/", "/incidents/\(ConsoleFixture.incidentID)", "/api/incidents"] {
                let page = try await client.get(path)
                #expect(page.status == .notFound, "\(path)")
                #expect(page.body.contains("set PLAYBOOK_CONSOLE_TOKEN to turn it on"), "\(path): \(page.body)")
            }
            let signIn = try await client.post("/signin", form: [("token", "")])
            #expect(signIn.status == .notFound)
            #expect(signIn.sessionCookie == nil)
            let approval = try await client.get("/approve/\(link)")
            #expect(approval.status == .ok)
            #expect(approval.body.contains(">Approve</button>"))
        }
    }

    @Test func signingInTakesTheTokenAndGivesAStrictHttpOnlyCookie() async throws {
        let fixture = try await ConsoleFixture()
        try await fixture.test { client in
            let form = try await client.get("/")
            #expect(form.status == .ok)
            #expect(form.body.contains("<input type=\"password\" id=\"token\" name=\"token\""))
            #expect(form.body.contains("action=\"/signin\""))

            let wrong = try await client.post("/signin", form: [("token", "console-test-token-9999")])
            #expect(wrong.status == .forbidden)
            #expect(wrong.body.contains("wrong token"))
            #expect(wrong.sessionCookie == nil)

            let right = try await client.post("/signin", form: [("token", ConsoleFixture.token)])
            #expect(right.status == .seeOther)
            #expect(right.headers[.location] == "/")
            let cookie = try #require(right.sessionCookie)
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"), "plain http: a Secure cookie would never come back")
            #expect(!right.body.contains(ConsoleFixture.token))

            let session = try #require(try await client.signIn())
            let home = try await client.get("/", cookie: session)
            #expect(home.status == .ok)
            #expect(home.body.contains("<section id=\"playbooks\">"))
            #expect(home.body.contains("data-playbook=\"meta-outage\""))
            #expect(home.body.contains("href=\"/incidents/\(ConsoleFixture.incidentID)\""))
        }
    }

    @Test func behindHttpsTheCookieIsSecure() async throws {
        let fixture = try await ConsoleFixture(baseURL: "https://console.example.com")
        try await fixture.test { client in
            let right = try await client.post("/signin", form: [("token", ConsoleFixture.token)])
            #expect(try #require(right.sessionCookie).contains("Secure"))
        }
    }

    @Test func pagesLoadNothingFromOutsideAndFitAPhone() async throws {
        let fixture = try await ConsoleFixture()
        try await fixture.test { client in
            let session = try #require(try await client.signIn())
            for path in ["/", "/incidents/\(ConsoleFixture.incidentID)", "/run/meta-outage", "/approve/\(fixture.links["ask-owner"]!)"] {
                let page = try await client.get(path, cookie: session)
                #expect(page.status == .ok, "\(path)")
                #expect(page.body.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"), "\(path)")
                for outside in ["src=\"http", "href=\"http", "@import", "url(http", "<link "] { #expect(!page.body.contains(outside), "\(path) loads \(outside)") }
                let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
                #expect(policy.hasPrefix("default-src 'none'"), "\(path)")
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            }
        }
    }
}
