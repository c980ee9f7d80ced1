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
