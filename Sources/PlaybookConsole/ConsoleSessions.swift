import Crypto
import Foundation
import PlaybookCore
import Synchronization

/// Who is signed in to the console, and the CSRF tokens of their forms.
///
/// A session is a random id in an HttpOnly, SameSite=Strict cookie, kept in memory for
/// `lifetime` (a restarted process asks for the token again). Its CSRF token is an HMAC of the
/// session id under a key made at start, so it needs no storage and cannot be made without the
/// key; an approval page's CSRF token is the same HMAC of the link's token id. Every comparison
/// of a secret is in constant time.
public final class ConsoleSessions: Sendable {
    /// How long a sign-in lasts.
    public static let lifetime: TimeInterval = 12 * 3600
    /// Sessions kept at once; the oldest goes first beyond this (a flood of sign-ins cannot grow memory).
    static let capacity = 1_000

    /// Made at start, never stored: restarting the process ends every session and every page's form.
    private let key: [UInt8] = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    private let sessions = Mutex<[String: Date]>([:])

    public init() {}

    /// A new session when `offered` is the console token, else nil.
    public func signIn(offered: String, token: String, now: Date) -> String? {
        guard !token.isEmpty, ConstantTime.equal(Array(offered.utf8), Array(token.utf8)) else { return nil }
        let id = Self.randomHex(bytes: 32)
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value > now }
            if sessions.count >= Self.capacity, let oldest = sessions.min(by: { $0.value < $1.value })?.key { sessions[oldest] = nil }
            sessions[id] = now.addingTimeInterval(Self.lifetime)
        }
        return id
    }

    public func signOut(_ session: String) {
        sessions.withLock { $0[session] = nil }
    }

    /// Whether `session` (a cookie's value) is signed in now.
    public func isSignedIn(_ session: String?, now: Date) -> Bool {
        guard let session, session.utf8.count == 64 else { return false }
        return sessions.withLock { sessions in
            // The id is the secret: compared in constant time with each session (there are few).
            guard let (stored, expiry) = sessions.first(where: { ConstantTime.equal(Array($0.key.utf8), Array(session.utf8)) }) else { return false }
            if expiry <= now {
                sessions[stored] = nil
                return false
            }
            return true
        }
    }

    /// The CSRF token of the forms shown to `session`.
    public func csrf(session: String) -> String { mac("session|" + session) }

    /// The CSRF token of an approval link's page (the link's token id scopes it).
    public func csrf(link tokenID: String) -> String { mac("link|" + tokenID) }

    public func checkCSRF(_ offered: String?, session: String) -> Bool { check(offered, csrf(session: session)) }
    public func checkCSRF(_ offered: String?, link tokenID: String) -> Bool { check(offered, csrf(link: tokenID)) }

    /// A nonce for one page's inline script.
    static func nonce() -> String { randomHex(bytes: 16) }

    private func check(_ offered: String?, _ expected: String) -> Bool {
        guard let offered else { return false }
        return ConstantTime.equal(Array(offered.utf8), Array(expected.utf8))
    }

    private func mac(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
