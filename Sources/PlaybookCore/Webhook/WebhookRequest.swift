import Foundation

/// What `playbook watch --listen` decides for one HTTP request aimed at a `webhook` trigger:
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

    /// How far a signed `X-Playbook-Timestamp` may be from the listener's clock, either way (5 minutes).
    public static let timestampWindow: Int64 = 300

    /// Decides what to do with a request. `target` is the request-target of the request line
    /// (`/hooks/x?source=monitor`); `headers` are as received, names in any case. The signature
    /// is checked by `WebhookSignature` (constant time), the body parsed as JSON with a depth bound.
    ///
    /// A request signed over `TIMESTAMP.BODY` must carry a timestamp within `timestampWindow` of
    /// `now` (seconds since 1970), and its signature must be new: once the rest holds,
    /// `firstUse(signature, until)` is asked, and answers false for a signature it has already
    /// seen (it keeps each one `until` then, when the window has closed on it).
    public static func verify(
        method: String, target: String, headers: [(name: String, value: String)], body: [UInt8],
        endpoints: [Endpoint], now: Int64 = 0, firstUse: (_ signature: String, _ until: Int64) -> Bool = { _, _ in true }
    ) -> Verdict {
        let path = String(target.prefix { $0 != "?" && $0 != "#" })
        guard let endpoint = endpoints.first(where: { $0.path == path }) else {
            return .rejected(status: 404, reason: "no webhook trigger listens on \(printable(path, limit: 200))")
        }
        guard method == "POST" else { return .rejected(status: 405, reason: "\(endpoint.path) takes POST, not \(printable(method, limit: 16))") }
        guard body.count <= maximumBodyBytes else { return .rejected(status: 413, reason: "the body is over \(maximumBodyBytes) bytes") }
        var replayKey: (signature: String, until: Int64)?
        if let secret = endpoint.secret {
            let signatures = values(of: WebhookSignature.header, in: headers)
            guard signatures.count <= 1 else { return .rejected(status: 401, reason: "more than one \(WebhookSignature.header) header") }
            let timestamps = values(of: WebhookSignature.timestampHeader, in: headers)
            guard timestamps.count <= 1 else { return .rejected(status: 401, reason: "more than one \(WebhookSignature.timestampHeader) header") }
            switch WebhookSignature.verify(body, header: signatures.first, timestamp: timestamps.first, secret: secret) {
            case .invalid(let reason):
                return .rejected(status: 401, reason: reason)
            case .valid:
                break
            case .validWithTimestamp(let seconds):
                let (distance, overflow) = seconds.subtractingReportingOverflow(now)
                guard !overflow, distance.magnitude <= UInt64(timestampWindow) else {
                    return .rejected(
                        status: 401,
                        reason: "\(WebhookSignature.timestampHeader) is more than \(timestampWindow / 60) minutes from the listener's clock (a late replay, or a sender's clock off)")
                }
                replayKey = (signatures[0].trimmingCharacters(in: .whitespaces).lowercased(), seconds + timestampWindow)
            }
        }
        switch payload(of: body) {
        case .success(let payload):
            if let replayKey, !firstUse(replayKey.signature, replayKey.until) {
                return .rejected(status: 401, reason: "this \(WebhookSignature.header) was already accepted (a replay); sign each request with a new \(WebhookSignature.timestampHeader)")
            }
            return .accepted(trigger: endpoint.trigger, payload: payload)
        case .failure(let problem): return .rejected(status: 400, reason: problem.reason)
        }
    }

    /// The values of the header `name` (any case, names as received).
    private static func values(of name: String, in headers: [(name: String, value: String)]) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.trimmingCharacters(in: .whitespaces).lowercased() == wanted }.map(\.value)
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

    /// Text from the request as it may be echoed in a reason: printable ASCII, at most `limit` characters.
    private static func printable(_ text: String, limit: Int) -> String {
        let clean = String(text.unicodeScalars.prefix(limit).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
        return clean.isEmpty ? "(empty)" : clean
    }
}
