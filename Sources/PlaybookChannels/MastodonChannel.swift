import Foundation
import PlaybookCore
import PlaybookEngine

/// The `mastodon` channel: a status on the account behind `token`, on `instance`.
///
/// Request, as documented at https://docs.joinmastodon.org/methods/statuses/#create :
/// `POST {instance}/api/v1/statuses`, `Authorization: Bearer <token>`, `Idempotency-Key: <key>`
/// (Mastodon keeps it an hour, so a retry or a resume does not post twice), JSON
/// `{"status", "visibility"}`. Answers 200 with the Status (`id`, `url`), or `{"error": "..."}`
/// (https://docs.joinmastodon.org/entities/Error/): 401 invalid token, 403 token without
/// `write:statuses`, 422 validation (e.g. "Text character limit of 500 exceeded"). Rate limits
/// (https://docs.joinmastodon.org/api/rate-limits/) answer 429 with `X-RateLimit-Reset`, an
/// ISO 8601 time.
public struct MastodonChannel: MessageChannel, ChannelCheck {
    let name: String
    let transport: HTTPTransport
    let instance: String
    let token: String
    let visibility: String
    let timeout: Double

    public init(name: String, transport: HTTPTransport, instance: String, token: String, visibility: String?, timeout: Double = 30) {
        self.name = name
        self.transport = transport
        var instance = instance.trimmingCharacters(in: .whitespaces)
        while instance.hasSuffix("/") { instance.removeLast() }
        if !instance.contains("://") { instance = "https://" + instance }
        self.instance = instance
        self.token = token
        self.visibility = visibility ?? "public"
        self.timeout = timeout
    }

    private var what: String { "mastodon '\(name)'" }
    private var secrets: [String] { [token] }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> DeliveryReceipt in
            let body = JSONValue.object([("status", .string(ProviderAPI.postText(message))), ("visibility", .string(visibility))])
            let response = try await transport.send(
                .POST, "\(instance)/api/v1/statuses",
                headers: [ProviderAPI.bearer(token), ProviderAPI.jsonContentType, ("Idempotency-Key", message.idempotencyKey)],
                body: ProviderAPI.json(body), timeout: timeout)
            guard response.isSuccess else { throw failure(response) }
            return DeliveryReceipt(providerID: response.object?.string("id"))
        }
    }

    /// `GET /api/v1/accounts/verify_credentials`: the account behind the token.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> ChannelCheckResult in
            let response = try await transport.send(
                .GET, "\(instance)/api/v1/accounts/verify_credentials", headers: [ProviderAPI.bearer(token)], timeout: timeout)
            guard response.isSuccess, let account = response.object else { throw failure(response) }
            return .ok("account @\(account.string("acct") ?? account.string("username") ?? "?") on \(HTTPTransport.hostOnly(instance))")
        }
    }

    func failure(_ response: HTTPTransport.Response) -> ChannelFailure {
        let said = (response.object?.string("error")).map { ProviderAPI.snippet($0, hiding: secrets, of: transport) } ?? ""
        let tag = " (" + (said.isEmpty ? "" : "\(said), ") + "HTTP \(response.status))"
        switch response.status {
        case 429:
            let after = ProviderAPI.secondsUntil(iso8601: response.header("X-RateLimit-Reset")) ?? HTTPTransport.retryAfter(response.header("Retry-After"))
            return .retryable("\(what): the instance is rate limiting this account\(tag)", after: after)
        case 500..<600:
            return .retryable("\(what): the instance had a server error\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case 401:
            return .permanent("\(what): the instance refused the access token (invalid or revoked)\(tag)")
        case 403:
            return .permanent("\(what): the token may not post; it needs the write:statuses scope\(tag)")
        case 404:
            return .permanent("\(what): no Mastodon API at \(HTTPTransport.hostOnly(instance)); check 'instance'\(tag)")
        case 422 where said.lowercased().contains("character limit"):
            return .permanent("\(what): the text is over the instance's length limit\(tag)")
        default:
            return .permanent("\(what): the instance rejected the status\(tag)")
        }
    }
}
