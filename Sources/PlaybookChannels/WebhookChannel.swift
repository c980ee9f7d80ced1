import AsyncHTTPClient
import Foundation
import PlaybookCore
import NIOHTTP1
import PlaybookEngine

/// The `webhook` channel: a JSON POST per call (the channels' envelope for notify and post, the step's body
/// for the webhook action), with `Idempotency-Key` and, when a `secret` is set,
/// `X-Playbook-Signature: sha256=HEX` — the HMAC-SHA256 of the exact body bytes.
public struct WebhookChannel: MessageChannel, WebhookCallChannel {
    let transport: HTTPTransport
    let url: String?
    let secret: String?
    let headers: [(String, String)]
    let name: String

    public init(name: String, transport: HTTPTransport, url: String?, secret: String?, headers: [(String, String)]) {
        self.name = name
        self.transport = transport
        self.url = url
        self.secret = secret
        self.headers = headers
    }

    /// `X-Playbook-Signature`'s value for `body`: the one rule, shared with `watch`'s listener.
    public static func signature(of body: [UInt8], secret: String) -> String {
        WebhookSignature.sign(body, secret: secret)
    }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await call(method: "POST", url: nil, bytes: JSONBytes.envelope(of: message), idempotencyKey: message.idempotencyKey)
        return DeliveryReceipt()
    }

    public func call(method: String, url override: String?, body: JSONValue?, idempotencyKey: String) async throws(ChannelFailure) {
        try await call(method: method, url: override, bytes: body.map(JSONBytes.encode), idempotencyKey: idempotencyKey)
    }

    private func call(method: String, url override: String?, bytes: [UInt8]?, idempotencyKey: String) async throws(ChannelFailure) {
        guard let target = override ?? url else { throw .permanent("webhook '\(name)': no URL") }
        var headers = self.headers
        headers.append(("Idempotency-Key", idempotencyKey))
        if let bytes {
            headers.append(("Content-Type", "application/json"))
            if let secret { headers.append(("X-Playbook-Signature", Self.signature(of: bytes, secret: secret))) }
        }
        let response = try await transport.send(HTTPMethod(rawValue: method), target, headers: headers, body: bytes)
        if let error = HTTPTransport.classify(response, what: "webhook '\(name)'") { throw error }
    }
}
