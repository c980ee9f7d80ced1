import Foundation
import Testing

@testable import PlaybookConsole

/// Sign-in and CSRF tokens: only the console token signs in, sessions expire, a CSRF token is
/// bound to its session (or its link) and to this process.
@Suite struct ConsoleSessionsTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func onlyTheTokenSignsIn() {
        let sessions = ConsoleSessions()
        #expect(sessions.signIn(offered: "wrong", token: "console-token-1234", now: start) == nil)
        #expect(sessions.signIn(offered: "", token: "console-token-1234", now: start) == nil)
        let session = sessions.signIn(offered: "console-token-1234", token: "console-token-1234", now: start)
        #expect(session?.count == 64)
        #expect(sessions.isSignedIn(session, now: start))
        #expect(!sessions.isSignedIn(String(repeating: "0", count: 64), now: start))
    }

    @Test func aSessionEndsAfterItsLifetimeOrASignOut() throws {
        let sessions = ConsoleSessions()
        let session = try #require(sessions.signIn(offered: "t0ken-abc", token: "t0ken-abc", now: start))
        #expect(sessions.isSignedIn(session, now: start.addingTimeInterval(ConsoleSessions.lifetime - 1)))
        #expect(!sessions.isSignedIn(session, now: start.addingTimeInterval(ConsoleSessions.lifetime + 1)))
        let other = try #require(sessions.signIn(offered: "t0ken-abc", token: "t0ken-abc", now: start))
        sessions.signOut(other)
        #expect(!sessions.isSignedIn(other, now: start))
    }

    @Test func aCSRFTokenIsBoundToItsSessionAndItsProcess() throws {
        let sessions = ConsoleSessions()
        let one = try #require(sessions.signIn(offered: "t0ken-abc", token: "t0ken-abc", now: start))
        let two = try #require(sessions.signIn(offered: "t0ken-abc", token: "t0ken-abc", now: start))
        #expect(sessions.checkCSRF(sessions.csrf(session: one), session: one))
        #expect(!sessions.checkCSRF(sessions.csrf(session: two), session: one))
        #expect(!sessions.checkCSRF(nil, session: one))
        #expect(!sessions.checkCSRF("", session: one))
        // Another process (another key) cannot make this one's tokens.
        #expect(!sessions.checkCSRF(ConsoleSessions().csrf(session: one), session: one))
        // A link's CSRF token is scoped to the link.
        #expect(sessions.checkCSRF(sessions.csrf(link: "aa"), link: "aa"))
        #expect(!sessions.checkCSRF(sessions.csrf(link: "aa"), link: "bb"))
        #expect(!sessions.checkCSRF(sessions.csrf(session: "aa"), link: "aa"))
    }
}

/// Where links point: the console URL given, else the listen address — unless that address is
/// every interface, which no phone can open.
@Suite struct ConsoleSettingsTests {
    @Test func linksPointAtTheConsoleURLOrTheListenAddress() {
        #expect(ConsoleSettings.from(environment: [:], consoleURL: nil, address: "127.0.0.1:9464").baseURL == "http://127.0.0.1:9464")
        #expect(ConsoleSettings.from(environment: ["PLAYBOOK_CONSOLE_URL": "https://ops.example.com/"], consoleURL: nil, address: "0.0.0.0:9464").baseURL == "https://ops.example.com")
        #expect(ConsoleSettings.from(environment: ["PLAYBOOK_CONSOLE_URL": "https://a.example"], consoleURL: "https://b.example", address: "x:1").baseURL == "https://b.example")
        #expect(ConsoleSettings.from(environment: ["PLAYBOOK_CONSOLE_TOKEN": ""], consoleURL: nil, address: "x:1").isOn == false)
        #expect(ConsoleSettings.problem(withURL: "ops.example.com") != nil)
        #expect(ConsoleSettings.problem(withURL: "https://ops.example.com") == nil)
    }
}
