import Crypto
import Foundation

/// `X-Playbook-Signature: sha256=HEX`: the HMAC-SHA256 of the exact body bytes with the shared
/// secret (§4 webhook triggers, §7 webhook channels).
public enum WebhookSignature {
    public static let header = "X-Playbook-Signature"

    public static func sign(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public enum Verdict: Sendable, Equatable {
        case valid
        /// Why not, in words fit for the client (never the expected value).
        case invalid(String)
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
