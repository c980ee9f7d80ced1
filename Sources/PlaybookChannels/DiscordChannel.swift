import Foundation
import PlaybookCore
import PlaybookEngine

/// The `discord` channel: a post through a Discord webhook.
///
/// Request, as documented at https://discord.com/developers/docs/resources/webhook#execute-webhook :
/// `POST <webhook_url>?wait=true` with JSON `{"content": "...", "allowed_mentions": {"parse": []}}`
/// (no text of ours pings @everyone; `wait=true` makes Discord answer 200 with the message, whose
/// `id` is the receipt). Errors are `{"code", "message"}` (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json):
/// 10015 Unknown Webhook (404: deleted), 50027 Invalid Webhook Token (401), 50035 Invalid Form
/// Body (400, e.g. content over 2,000 characters). Rate limits
/// (https://discord.com/developers/docs/topics/rate-limits) answer 429 with JSON
/// `{"retry_after": seconds, "global": bool}` and a `Retry-After` header.
///
/// `channels check` reads the webhook (`GET <webhook_url>`, "Get Webhook with Token"), which
/// posts nothing.
public struct DiscordChannel: MessageChannel, ChannelCheck {
    let name: String
    let transport: HTTPTransport
    let webhookURL: String
    let timeout: Double

    public init(name: String, transport: HTTPTransport, webhookURL: String, timeout: Double = 30) {
        self.name = name
        self.transport = transport
        self.webhookURL = webhookURL
        self.timeout = timeout
    }

    private var what: String { "discord '\(name)'" }
    private var secrets: [String] { [webhookURL, URLComponents(string: webhookURL)?.path ?? ""].filter { $0.count > 1 } }

    private var executeURL: String {
        guard var components = URLComponents(string: webhookURL) else { return webhookURL }
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "wait" } + [URLQueryItem(name: "wait", value: "true")]
        return components.string ?? webhookURL
    }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> DeliveryReceipt in
            let body = JSONValue.object([
                ("content", .string(ProviderAPI.postText(message))),
                ("allowed_mentions", .object([("parse", .array([]))])),
            ])
            let response = try await transport.send(
                .POST, executeURL, headers: [ProviderAPI.jsonContentType], body: ProviderAPI.json(body), timeout: timeout)
            guard response.isSuccess else { throw failure(response) }
            return DeliveryReceipt(providerID: response.object?.string("id"))
        }
    }

    /// Reads the webhook object: its name and channel.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> ChannelCheckResult in
            let response = try await transport.send(.GET, webhookURL, timeout: timeout)
            guard response.isSuccess else { throw failure(response) }
            let hook = response.object ?? [:]
            return .ok("webhook \(hook.string("name").map { "\"\($0)\"" } ?? "") in channel \(hook.string("channel_id") ?? "?")")
        }
    }

    func failure(_ response: HTTPTransport.Response) -> ChannelFailure {
        let error = response.object ?? [:]
        let code = error.int("code")
        let said = error.string("message").map { ProviderAPI.snippet($0, hiding: secrets, of: transport) } ?? ""
        let tag =
            " ("
            + [said.isEmpty ? nil : said, code.flatMap { $0 == 0 ? nil : "code \($0)" }, "HTTP \(response.status)"].compactMap { $0 }.joined(separator: ", ")
            + ")"
        if response.status == 429 {
            let after = error.double("retry_after") ?? HTTPTransport.retryAfter(response.header("Retry-After"))
            let scope = (error["global"] as? Bool) == true ? " (global limit)" : ""
            return .retryable("\(what): Discord is rate limiting this webhook\(scope)\(tag)", after: after)
        }
        if (500..<600).contains(response.status) {
            return .retryable("\(what): Discord server error\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        }
        switch code ?? 0 {
        case 10015:
            return .permanent("\(what): the webhook was deleted; create a new one\(tag)")
        case 50027:
            return .permanent("\(what): the webhook token is invalid; copy the webhook URL again\(tag)")
        case 50035 where response.text.contains("BASE_TYPE_MAX_LENGTH"):
            return .permanent("\(what): the text is over Discord's limit of 2,000 characters\(tag)")
        default:
            break
        }
        switch response.status {
        case 404: return .permanent("\(what): the webhook was deleted or the URL is wrong\(tag)")
        case 401, 403: return .permanent("\(what): Discord refused the webhook\(tag)")
        default: return .permanent("\(what): Discord rejected the message\(tag)")
        }
    }
}
