import Crypto
import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import Testing

/// The `webhook` channel as §7 defines it: a JSON POST of the envelope {playbook, incident, step,
/// action, idempotency_key, contact, subject, text}, the key also as `Idempotency-Key`, and with a
/// `secret` the header `X-Playbook-Signature: sha256=HEX`, the HMAC-SHA256 of the exact body.
enum WebhookFake {
    static let path = "/hooks/outage"
    static let secret = "whsec_test_0123456789abcdef"

    static func signature(_ body: [UInt8]) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    static func handler(_ play: Play) -> LoopbackHTTPServer.Handler {
        { request in
            guard request.method == "POST", request.path == path else { return .reject("unexpected \(request.method) \(request.path)") }
            guard request.header("Content-Type") == "application/json" else { return .reject("content type \(request.header("Content-Type") ?? "none")") }
            guard request.header("X-Playbook-Signature") == signature(request.body) else { return .reject("bad signature \(request.header("X-Playbook-Signature") ?? "none")") }
            guard let key = request.header("Idempotency-Key"), !key.isEmpty else { return .reject("Idempotency-Key missing") }
            if let inBody = request.json?["idempotency_key"] as? String, inBody != key { return .reject("envelope key \(inBody) differs from the header \(key)") }
            guard request.header("X-Shop") == "rome" else { return .reject("configured header missing") }
            switch play {
            case .success: return .text(200, "ok")
            case .unauthorized: return .text(401, "")
            case .notFound: return .text(410, "gone")
            case .rateLimited: return .text(429, "", headers: [("Retry-After", "12")])
            case .serverError: return .text(502, "")
            case .hang: return .hang
            }
        }
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "credentials were refused"),
        .notFound: Expected(retryable: false, after: nil, mentions: "was it deleted"),
        .rateLimited: Expected(retryable: true, after: 12...12, mentions: "rate limited"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: Expected(retryable: true, after: nil, mentions: "in time"),
    ]
}

@Suite struct WebhookChannelTests {
    func channel(_ transport: HTTPTransport) -> WebhookChannel {
        WebhookChannel(name: "crm", transport: transport, url: "https://crm.example.com" + WebhookFake.path, secret: WebhookFake.secret, headers: [("X-Shop", "rome")])
    }

    static let contact = Contact(id: "c1", name: "Giulia", email: "giulia@example.com", phone: "+393331234567", tags: ["vip"], consentEmail: true, consentSMS: false,
                                 timezone: "Europe/Rome", locale: "it", fields: ["city": "Rome"])

    @Test func sendsTheSignedEnvelopeOfTheContract() async throws {
        try await withFake(WebhookFake.handler(.success)) { server, transport in
            let message = OutboundMessage(playbook: "meta-outage", incident: "meta-outage-20211004T153900Z", step: "warn-vips", action: "notify",
                                          idempotencyKey: "meta-outage-20211004T153900Z/warn-vips/c1/crm", contact: Self.contact, address: "c1",
                                          subject: "We're open", text: "Hi Giulia")
            _ = try await CallTimeout.$seconds.withValue(shortTimeout) { try await channel(transport).send(message) }
            #expect(server.rejections == [])
            let body = try #require(server.requests.first?.json)
            #expect(Set(body.keys) == ["playbook", "incident", "step", "action", "idempotency_key", "contact", "subject", "text"])
            #expect(body["action"] as? String == "notify")
            let contact = try #require(body["contact"] as? [String: Any])
            #expect(contact["tags"] as? [String] == ["vip"])
            #expect(contact["city"] as? String == "Rome")
            #expect(server.requests.first?.header("Idempotency-Key") == "meta-outage-20211004T153900Z/warn-vips/c1/crm")
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(WebhookFake.handler(play)) { server, transport in
            let message = OutboundMessage(playbook: "p", incident: "i", step: "s", action: "post", idempotencyKey: "i/s/crm", text: "hello")
            let failed = await failure { try await CallTimeout.$seconds.withValue(shortTimeout) { try await channel(transport).send(message) } }
            expect(failed, WebhookFake.expected[play], secrets: [WebhookFake.secret])
            #expect(server.rejections == [])
        }
    }

    @Test func theWebhookActionSendsItsBodyAsIs() async throws {
        try await withFake(WebhookFake.handler(.success)) { server, transport in
            let body = JSONValue.object([("status", .string("investigating")), ("components", .array([.string("checkout")]))])
            try await CallTimeout.$seconds.withValue(shortTimeout) { try await channel(transport).call(method: "POST", url: nil, body: body, idempotencyKey: "i/open") }
            #expect(server.rejections == [])
            #expect(server.requests.first?.text == #"{"status":"investigating","components":["checkout"]}"#)
        }
    }
}
