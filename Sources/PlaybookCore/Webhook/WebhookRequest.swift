import Crypto
import Foundation

/// What `playbook watch --listen` decides for one HTTP request aimed at a `webhook` trigger (§4):
/// which trigger its path names, whether its `X-Playbook-Signature` holds, and the JSON payload
/// that becomes `trigger.payload`.
///
/// Pure — no socket, no clock, no environment (secrets come in resolved) — so that the listener
/// stays a thin adapter and every byte a stranger can send is fuzzed here.
public enum WebhookRequest {
    /// A webhook trigger as the listener serves it.
    public struct Endpoint: Sendable, Equatable {
        public var trigger: String
        /// The trigger's `path`, compared exactly with the request's path (its query string ignored).
        public var path: String
        /// The resolved `secret`; nil when the trigger accepts unsigned requests.
        public var secret: String?

        public init(trigger: String, path: String, secret: String?) {
            self.trigger = trigger
            self.path = path
            self.secret = secret
        }
    }

    /// The answer to a request: the trigger it fires with its payload, or the HTTP status to reply with.
    public enum Verdict: Sendable, Equatable {
        case accepted(trigger: String, payload: JSONValue)
        case rejected(status: Int, reason: String)
    }

    public static let signatureHeader = "X-Playbook-Signature"
    /// Larger bodies are refused (413) before any hashing or parsing.
    public static let maximumBodyBytes = 1 << 20
    /// JSON nested deeper is refused (400), as YAML documents are: the decoder recurses per level.
    public static let maximumDepth = 64

    /// The webhook triggers of a playbook, secrets resolved from `environment`; throws naming the
    /// first unset variable.
    public static func endpoints(of playbook: Playbook, environment: [String: String]) throws(UnsetEnvironmentVariable) -> [Endpoint] {
        var endpoints: [Endpoint] = []
        for trigger in playbook.triggers {
            guard case .webhook(let webhook) = trigger.kind else { continue }
            endpoints.append(Endpoint(trigger: trigger.id.value, path: webhook.path, secret: try webhook.secret?.resolve(in: environment)))
        }
        return endpoints
    }

    /// Decides what to do with a request. `target` is the request-target of the request line
    /// (`/hooks/x?source=monitor`); `headers` are as received, names in any case.
    public static func verify(
        method: String, target: String, headers: [(name: String, value: String)], body: [UInt8],
        endpoints: [Endpoint]
    ) -> Verdict {
        let path = String(target.prefix { $0 != "?" && $0 != "#" })
        guard let endpoint = endpoints.first(where: { $0.path == path }) else {
            return .rejected(status: 404, reason: "no webhook trigger listens at this path")
        }
        guard method == "POST" else { return .rejected(status: 405, reason: "webhook triggers take POST, not \(printable(method))") }
        guard body.count <= maximumBodyBytes else { return .rejected(status: 413, reason: "the body is over 1 MiB") }
        if let secret = endpoint.secret {
            let values = headers.filter { $0.name.trimmingCharacters(in: .whitespaces).lowercased() == signatureHeader.lowercased() }.map(\.value)
            guard let value = values.first else { return .rejected(status: 401, reason: "missing \(signatureHeader)") }
            guard values.count == 1 else { return .rejected(status: 401, reason: "more than one \(signatureHeader)") }
            guard let given = parseSignature(value) else {
                return .rejected(status: 401, reason: "\(signatureHeader) must be sha256= and 64 hex digits")
            }
            guard HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: body, using: SymmetricKey(data: Array(secret.utf8))) else {
                return .rejected(status: 401, reason: "\(signatureHeader) does not match the body")
            }
        }
        switch payload(of: body) {
        case .success(let payload): return .accepted(trigger: endpoint.trigger, payload: payload)
        case .failure(let problem): return .rejected(status: 400, reason: problem.reason)
        }
    }

    /// The signature a sender puts in `X-Playbook-Signature` for `body` (what the `webhook` channel sends).
    public static func signature(of body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The 32 bytes of `sha256=HEX` (hex in either case, surrounding spaces allowed); nil when malformed.
    public static func parseSignature(_ value: String) -> [UInt8]? {
        let text = value.trimmingCharacters(in: .whitespaces)
        let prefix = "sha256="
        guard text.utf8.count == prefix.utf8.count + 64, text.lowercased().hasPrefix(prefix) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for char in text.utf8.dropFirst(prefix.utf8.count) {
            guard let nibble = hexValue(char) else { return nil }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes.count == 32 ? bytes : nil
    }

    struct PayloadProblem: Error {
        var reason: String
    }

    /// The body as JSON: an empty body is `null`; anything else must be one JSON document.
    static func payload(of body: [UInt8]) -> Result<JSONValue, PayloadProblem> {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return .success(.null) }
        guard depth(of: body) <= maximumDepth else { return .failure(PayloadProblem(reason: "the JSON body is nested deeper than \(maximumDepth) levels")) }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            return .failure(PayloadProblem(reason: "the body is not JSON"))
        }
        return .success(value)
    }

    /// The deepest nesting of `[` and `{` outside strings (an over-estimate for invalid JSON, which is refused anyway).
    static func depth(of body: [UInt8]) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in body {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return deepest
    }

    private static func hexValue(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A method name as it may be echoed in a reason: printable ASCII, at most 16 characters.
    private static func printable(_ text: String) -> String {
        let clean = String(text.unicodeScalars.prefix(16).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
        return clean.isEmpty ? "an empty method" : clean
    }
}
