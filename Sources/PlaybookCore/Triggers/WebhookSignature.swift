import Crypto
import Foundation

/// `X-Playbook-Signature: sha256=HEX`: the HMAC-SHA256 of the exact body bytes with the shared
/// secret (webhook triggers and webhook channels). A sender may add `X-Playbook-Timestamp:
/// UNIX_SECONDS` and sign `TIMESTAMP.BODY` instead, which lets the listener refuse replays.
public enum WebhookSignature {
    public static let header = "X-Playbook-Signature"
    public static let timestampHeader = "X-Playbook-Timestamp"

    public static func sign(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The signature of `TIMESTAMP.BODY`, sent with `X-Playbook-Timestamp: TIMESTAMP`.
    public static func sign(_ body: [UInt8], timestamp: String, secret: String) -> String {
        sign(Array(timestamp.utf8) + [UInt8(ascii: ".")] + body, secret: secret)
    }

    public enum Verdict: Sendable, Equatable {
        case valid
        /// The signature covers `TIMESTAMP.BODY` with this timestamp (seconds since 1970).
        case validWithTimestamp(Int64)
        /// Why not, in words fit for the client (never the expected value).
        case invalid(String)
    }

    /// Checks a request's signature against `TIMESTAMP.BODY` when it gives a timestamp, else (or
    /// when that does not match) against the body alone, each in constant time. The timestamp's
    /// age is the caller's to judge.
    public static func verify(_ body: [UInt8], header value: String?, timestamp: String?, secret: String) -> Verdict {
        guard let timestamp = timestamp?.trimmingCharacters(in: .whitespaces) else { return verify(body, header: value, secret: secret) }
        let plain = verify(body, header: value, secret: secret)
        guard case .invalid = plain, let given = signatureBytes(value) else { return plain }
        guard timestamp.utf8.count <= 12, !timestamp.isEmpty, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let seconds = Int64(timestamp) else {
            return .invalid("\(timestampHeader) must be whole seconds since 1970 (UNIX time), and the signature cover 'TIMESTAMP.BODY'")
        }
        let key = SymmetricKey(data: Array(secret.utf8))
        let message = Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: message, using: key)
            ? .validWithTimestamp(seconds)
            : .invalid("\(header) does not match the body, nor TIMESTAMP.BODY with the \(timestampHeader) given (wrong secret, or the body was changed)")
    }

    /// The 32 bytes of a well-formed `sha256=HEX` value.
    static func signatureBytes(_ value: String?) -> [UInt8]? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), value.lowercased().hasPrefix("sha256="),
            let bytes = hexBytes(String(value.dropFirst(7))), bytes.count == 32
        else { return nil }
        return bytes
    }

    /// Checks a request's header against the body, in constant time.
    public static func verify(_ body: [UInt8], header value: String?, secret: String) -> Verdict {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return .invalid("missing \(header) header (sha256=HEX, the HMAC-SHA256 of the body)")
        }
        guard value.lowercased().hasPrefix("sha256=") else { return .invalid("\(header) must be 'sha256=' followed by the hex HMAC-SHA256 of the body") }
        guard let given = hexBytes(String(value.dropFirst(7))), given.count == 32 else {
            return .invalid("\(header) must be 'sha256=' followed by 64 hex digits")
        }
        let key = SymmetricKey(data: Array(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: body, using: key)
            ? .valid : .invalid("\(header) does not match the body (wrong secret, or the body was changed)")
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
