import Foundation
import PlaybookCore
import PlaybookEngine

/// The `x` channel: a post on X with an OAuth 2.0 user access token (scope `tweet.write`).
///
/// Request, as documented at https://docs.x.com/x-api/posts/create-post :
/// `POST https://api.x.com/2/tweets`, `Authorization: Bearer <user token>`, JSON `{"text"}`;
/// X answers 201 `{"data": {"id", "text"}}`. Errors are problem objects
/// `{"title", "detail", "type", "status"}` (https://docs.x.com/x-api/fundamentals/response-codes-and-errors),
/// sometimes with `{"errors": [{"message"}]}`: 401 token expired or revoked, 403 (duplicate text,
/// app without write access), 400 invalid text — permanent. Rate limits
/// (https://docs.x.com/x-api/fundamentals/rate-limits) answer 429 with `x-rate-limit-reset`,
/// the epoch second the window resets. X takes no idempotency key.
public struct XChannel: MessageChannel, ChannelCheck {
    public static let api = "https://api.x.com"

    let name: String
    let transport: HTTPTransport
    let token: String
    let timeout: Double

    public init(name: String, transport: HTTPTransport, token: String, timeout: Double = 30) {
        self.name = name
        self.transport = transport
        self.token = token
        self.timeout = timeout
    }

    private var what: String { "x '\(name)'" }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await ProviderAPI.guarded(what, [token]) { () async throws(ChannelFailure) -> DeliveryReceipt in
            let body = JSONValue.object([("text", .string(ProviderAPI.postText(message)))])
            let response = try await transport.send(
                .POST, "\(Self.api)/2/tweets", headers: [ProviderAPI.bearer(token), ProviderAPI.jsonContentType], body: ProviderAPI.json(body),
                timeout: timeout)
            guard response.isSuccess else { throw failure(response) }
            return DeliveryReceipt(providerID: response.object?.object("data")?.string("id"))
        }
    }

    /// `GET /2/users/me`: the account behind the token.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await ProviderAPI.guarded(what, [token]) { () async throws(ChannelFailure) -> ChannelCheckResult in
            let response = try await transport.send(.GET, "\(Self.api)/2/users/me", headers: [ProviderAPI.bearer(token)], timeout: timeout)
            guard response.isSuccess, let user = response.object?.object("data") else { throw failure(response) }
            return .ok("account @\(user.string("username") ?? "?")")
        }
    }

    func failure(_ response: HTTPTransport.Response) -> ChannelFailure {
        let body = response.object ?? [:]
        let said =
            ([body.string("detail")] + body.objects("errors").map { $0.string("message") }).compactMap { $0 }.first.map { ProviderAPI.snippet($0, hiding: [token], of: transport) } ?? ""
        let tag = " (" + (said.isEmpty ? "" : "\(said), ") + "HTTP \(response.status))"
        let lower = said.lowercased()
        switch response.status {
        case 429:
            let after = ProviderAPI.secondsUntil(epoch: response.header("x-rate-limit-reset")) ?? HTTPTransport.retryAfter(response.header("Retry-After"))
            return .retryable("\(what): X is rate limiting this account or app\(tag)", after: after)
        case 500..<600:
            return .retryable("\(what): X server error\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case 401:
            return .permanent("\(what): X refused the token (expired or revoked user token)\(tag)")
        case 403 where lower.contains("duplicate"):
            return .permanent("\(what): X refused the post as a duplicate of an earlier one\(tag)")
        case _ where lower.contains("too long") || lower.contains("280"):
            return .permanent("\(what): the text is over X's limit of 280 characters\(tag)")
        case 403:
            return .permanent("\(what): X does not allow this token to post (app permissions or access level)\(tag)")
        case 404:
            return .permanent("\(what): no X API at this address\(tag)")
        default:
            return .permanent("\(what): X rejected the post\(tag)")
        }
    }
}
