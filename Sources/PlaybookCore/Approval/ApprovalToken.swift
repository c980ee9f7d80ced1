import Crypto
import Foundation

/// The token of an approval link: it decides one approval (an incident and one of its approve
/// steps) until the approval's timeout, and only with the key that signed it.
///
/// It carries the incident id, the step id, the expiry (whole seconds) and a random nonce,
/// signed together with HMAC-SHA256, and travels as URL-safe base64 (`encoded`). Verification
/// recomputes the signature over the scope the caller expects — not the scope the token claims —
/// and compares in constant time, so a token for one step or incident never decides another.
/// Single use is the journal's to enforce: `id` (the nonce) is what it records as spent.
///
/// The token is a bearer secret: `description`, `debugDescription` and reflection show its
/// scope and id, never `encoded` or the signature.
public struct ApprovalToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let incident: String
    public let step: String
    /// When the link stops deciding anything (whole seconds).
    public let expiresAt: Date
    /// Random bytes that make every link unique, even two for the same approval.
    public let nonce: [UInt8]
    private let signature: [UInt8]

    static let version: UInt8 = 1
    static let nonceByteCount = 16
    static let signatureByteCount = 32
    /// Ids longer than this cannot be carried (incident and step ids are far shorter).
    static let maximumIDByteCount = 255
    /// Longer texts are refused before decoding: the longest valid token is about 800 characters.
    static let maximumEncodedLength = 1024
    /// Signed before the fields, so that the key signs nothing else by accident (a webhook body).
    static let domain = Array("playbook approval link\u{0}".utf8)
    /// The year 5138 or so, in seconds: far beyond any timeout, and exactly representable.
    static let latestExpiry: Double = 100_000_000_000

    /// Why a token does not decide the approval at hand. Descriptions are fit for the person
    /// holding the link, and never repeat the token.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// Not a token at all (cut, altered in transit, or not ours).
        case malformed
        /// Well formed, but not signed by this key for this scope (tampered, or forged).
        case badSignature
        /// Signed for another incident or step.
        case otherApproval
        case expired(at: Date)

        public var description: String {
            switch self {
            case .malformed: return "this approval link is not valid (it may have been cut short when copied)"
            case .badSignature: return "this approval link is not valid"
            case .otherApproval: return "this approval link decides another approval"
            case .expired(let date): return "this approval link expired at \(ApprovalToken.iso(date))"
            }
        }
    }

    /// Signs a new token for `step` of `incident`, valid until `expiresAt` (cut to the second).
    /// `nonce` is fresh random bytes unless a test gives its own. Each id is at most 255 UTF-8
    /// bytes: step ids are slugs of at most 63, and incident ids a slug and a timestamp.
    public static func issue(incident: String, step: String, expiresAt: Date, key: ApprovalKey, nonce: [UInt8]? = nil) -> ApprovalToken {
        var generator = SystemRandomNumberGenerator()
        let nonce = nonce ?? (0..<nonceByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        precondition(nonce.count == nonceByteCount, "an approval nonce is \(nonceByteCount) bytes")
        precondition(incident.utf8.count <= maximumIDByteCount && step.utf8.count <= maximumIDByteCount, "approval ids over 255 bytes")
        let expiry = Date(timeIntervalSince1970: min(max(0, expiresAt.timeIntervalSince1970.rounded(.down)), latestExpiry))
        let signature = sign(incident: incident, step: step, expiry: expiry, nonce: nonce, key: key)
        return ApprovalToken(incident: incident, step: step, expiresAt: expiry, nonce: nonce, signature: signature)
    }

    /// The token in `text` when it decides `step` of `incident` at `now`: signed by `key` for
    /// exactly that scope, and not expired. Whether it was already used is the journal's question.
    public static func verify(_ text: String, incident: String, step: String, key: ApprovalKey, now: Date) -> Result<ApprovalToken, Refusal> {
        guard let token = decode(text) else { return .failure(.malformed) }
        guard incident.utf8.count <= maximumIDByteCount, step.utf8.count <= maximumIDByteCount else { return .failure(.otherApproval) }
        let expected = sign(incident: incident, step: step, expiry: token.expiresAt, nonce: token.nonce, key: key)
        guard ConstantTime.equal(expected, token.signature) else {
            return .failure(token.incident == incident && token.step == step ? .badSignature : .otherApproval)
        }
        // The signature covers the expected scope; a token claiming another one was altered.
        guard token.incident == incident, token.step == step else { return .failure(.otherApproval) }
        guard now < token.expiresAt else { return .failure(.expired(at: token.expiresAt)) }
        return .success(token)
    }

    /// The incident and step a token says it decides, before any verification: for finding the
    /// pending approval to verify it against. Nothing here is to be trusted until `verify`.
    public static func claimedScope(of text: String) -> (incident: String, step: String)? {
        decode(text).map { ($0.incident, $0.step) }
    }

    /// What the journal records to refuse a second use of the link: the nonce, in hex. Not a
    /// secret (the link cannot be rebuilt from it).
    public var id: String {
        nonce.map { String(format: "%02x", $0) }.joined()
    }

    /// The URL-safe text that goes in the link. A secret: whoever has it decides the approval.
    public var encoded: String {
        Self.base64URL(Self.header(expiry: expiresAt, nonce: nonce) + Self.scope(incident: incident, step: step) + signature)
    }

    public var description: String {
        "ApprovalToken(incident: \(incident), step: \(step), expires: \(Self.iso(expiresAt)), id: \(id))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["incident": incident, "step": step, "expiresAt": expiresAt, "id": id], displayStyle: .struct)
    }

    private init(incident: String, step: String, expiresAt: Date, nonce: [UInt8], signature: [UInt8]) {
        self.incident = incident
        self.step = step
        self.expiresAt = expiresAt
        self.nonce = nonce
        self.signature = signature
    }

    // MARK: - Layout

    /// version (1 byte) · expiry (8 bytes, seconds since 1970, big-endian) · nonce (16 bytes).
    private static func header(expiry: Date, nonce: [UInt8]) -> [UInt8] {
        // Clamped so that no date can trap the conversion; real expiries are minutes away.
        let seconds = UInt64(min(max(0, expiry.timeIntervalSince1970), Self.latestExpiry))
        return [version] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: seconds >> (8 * UInt64($0))) } + nonce
    }

    /// Each id with its length first, so that ("ab", "c") and ("a", "bc") sign differently.
    private static func scope(incident: String, step: String) -> [UInt8] {
        [UInt8(incident.utf8.count)] + Array(incident.utf8) + [UInt8(step.utf8.count)] + Array(step.utf8)
    }

    private static func sign(incident: String, step: String, expiry: Date, nonce: [UInt8], key: ApprovalKey) -> [UInt8] {
        let message = domain + header(expiry: expiry, nonce: nonce) + scope(incident: incident, step: step)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key.key))
    }

    /// Reads the fields of an encoded token, without judging its signature.
    private static func decode(_ text: String) -> ApprovalToken? {
        guard text.utf8.count <= maximumEncodedLength, let bytes = bytes(fromBase64URL: text) else { return nil }
        var cursor = bytes[...]
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, cursor.count >= count else { return nil }
            defer { cursor = cursor.dropFirst(count) }
            return cursor.prefix(count)
        }
        guard take(1) == [version], let seconds = take(8), let nonce = take(nonceByteCount) else { return nil }
        let expiry = seconds.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard expiry <= UInt64(Int64.max), let incidentLength = take(1)?.first, let incident = take(Int(incidentLength)),
            let stepLength = take(1)?.first, let step = take(Int(stepLength)), cursor.count == signatureByteCount,
            let incidentText = utf8Text(incident), let stepText = utf8Text(step)
        else { return nil }
        return ApprovalToken(
            incident: incidentText, step: stepText, expiresAt: Date(timeIntervalSince1970: Double(expiry)), nonce: Array(nonce), signature: Array(cursor))
    }

    /// The text of valid UTF-8 bytes; nil for anything else (which `String(decoding:)` would repair).
    private static func utf8Text(_ bytes: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
