import Foundation
import FuzzSupport
import PlaybookCore

/// What `watch --listen` does with a request to a webhook trigger: the path, the signature
/// header, the body. The input is a small request: `METHOD TARGET`, header lines, a blank line,
/// the body. A header `X-Fuzz-Sign` asks the harness to sign the body correctly, and
/// `X-Fuzz-Sign-Time` to sign `TIMESTAMP.BODY` with the request's `X-Playbook-Timestamp`, so that
/// what follows a valid signature is explored too. The listener's clock stands at `now`.
///
/// An accepted payload must survive the trip the engine gives it: into `trigger.payload`, through
/// expressions and templates, and out again as JSON that parses back to the same value.
let secret = "fuzz-secret"
let now: Int64 = 1_733_385_600
let endpoints = [
    WebhookRequest.Endpoint(trigger: "signed", path: "/hooks/signed", secret: secret),
    WebhookRequest.Endpoint(trigger: "open", path: "/hooks/open", secret: nil),
]
let expressions = ["trigger.payload.status == 'down'", "'x' in trigger.payload.items", "trigger.payload == 1", "not trigger.payload.ok"]
    .compactMap { try? PlaybookCore.Expression.parse($0) }
let renderer = try! MessageRenderer(
    subject: "{{ trigger.payload.status }}",
    text: "{{#trigger.payload.items}}{{.}} {{name}}{{/trigger.payload.items}} {{ trigger.payload }}", html: nil)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebhook(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let split = bytes.firstRange(of: [0x0A, 0x0A])
    let head = String(decoding: split.map { bytes[..<$0.lowerBound] } ?? bytes[...], as: UTF8.self)
    let body = split.map { Array(bytes[$0.upperBound...]) } ?? []
    var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let requestLine = lines.isEmpty ? "" : lines.removeFirst()
    let words = requestLine.split(separator: " ", maxSplits: 1).map(String.init)
    let method = words.first ?? ""
    let target = words.count > 1 ? words[1] : ""
    var headers: [(name: String, value: String)] = lines.compactMap { line in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), String(line[line.index(after: colon)...]))
    }
    let timestamp = headers.first { $0.name.lowercased() == "x-playbook-timestamp" }?.value.trimmingCharacters(in: .whitespaces)
    if headers.contains(where: { $0.name == "X-Fuzz-Sign" }) {
        headers.append((WebhookSignature.header, WebhookSignature.sign(body, secret: secret)))
    } else if headers.contains(where: { $0.name == "X-Fuzz-Sign-Time" }) {
        headers.append((WebhookSignature.header, WebhookSignature.sign(body, timestamp: timestamp ?? "", secret: secret)))
    }
    var seen = SeenSignatures()
    var asked = 0
    let verdict = WebhookRequest.verify(
        method: method, target: target, headers: headers, body: body, endpoints: endpoints, now: now,
        firstUse: { signature, until in
            asked += 1
            return seen.firstUse(signature, until: until, now: now)
        })
    Fuzz.require(asked <= 1, "asked about \(asked) signatures")
    switch verdict {
    case .rejected(let status, let reason):
        Fuzz.require([400, 401, 404, 405, 413].contains(status), "status \(status)")
        Fuzz.require(!reason.isEmpty && !reason.contains(secret), "reason: \(reason)")
    case .accepted(let trigger, let payload):
        Fuzz.require(endpoints.contains { $0.trigger == trigger }, "unknown trigger \(trigger)")
        if trigger == "signed" {
            let given = headers.filter { $0.name.trimmingCharacters(in: .whitespaces).lowercased() == "x-playbook-signature" }
            Fuzz.require(given.count == 1, "signed request accepted with \(given.count) signatures")
            let signature = given[0].value.trimmingCharacters(in: .whitespaces).lowercased()
            let overBody = signature == WebhookSignature.sign(body, secret: secret)
            let overTimestamp =
                timestamp.flatMap { text in Int64(text).map { (text, $0) } }.map { text, seconds in
                    signature == WebhookSignature.sign(body, timestamp: text, secret: secret) && (now - WebhookRequest.timestampWindow...now + WebhookRequest.timestampWindow).contains(seconds)
                } ?? false
            Fuzz.require(overBody || overTimestamp, "accepted a signature that is neither the body's nor a fresh TIMESTAMP.BODY's")
        }
        let text = payload.serialized()
        let again = JSONValue.parse(text)
        Fuzz.require(again == payload, "payload does not survive serialization: \(text)")
        let facts = Fuzz.facts(payload: payload)
        for expression in expressions { _ = Evaluator { facts.resolve($0) }.condition(expression) }
        _ = renderer.render(contact: nil, values: MessageValues(facts: facts))
    }
    return 0
}
