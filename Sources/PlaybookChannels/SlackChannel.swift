import Foundation
import PlaybookCore
import PlaybookEngine

/// The `slack` channel: a post through a Slack incoming webhook.
///
/// Request, as documented at https://api.slack.com/messaging/webhooks :
/// `POST <webhook_url>` with `Content-Type: application/json` and `{"text": "..."}`. Slack
/// answers `200 ok` in plain text; errors are plain-text codes
/// (https://api.slack.com/messaging/webhooks#handling_errors): `invalid_token`, `no_service`,
/// `no_team`, `team_disabled` (404/403/410: the webhook was deleted or revoked),
/// `channel_not_found`, `channel_is_archived`, `action_prohibited`, `invalid_payload`,
/// `no_text`. Rate limits (https://api.slack.com/apis/rate-limits) answer 429 with
/// `Retry-After` seconds.
///
/// The text is plain text: `&`, `<` and `>` are escaped as Slack asks
/// (https://api.slack.com/reference/surfaces/formatting#escaping), so that a value from a
/// trigger's payload cannot mention `<!channel>` or disguise a link as `<https://…|label>`.
///
/// The webhook URL is itself the secret: no message names more than its host.
public struct SlackChannel: MessageChannel, ChannelCheck {
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

    private var what: String { "slack '\(name)'" }
    private var secrets: [String] { [webhookURL, URLComponents(string: webhookURL)?.path ?? ""].filter { $0.count > 1 } }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> DeliveryReceipt in
            let body = JSONValue.object([("text", .string(Self.escaped(ProviderAPI.postText(message))))])
            let response = try await transport.send(
                .POST, webhookURL, headers: [ProviderAPI.jsonContentType], body: ProviderAPI.json(body), timeout: timeout)
            guard response.isSuccess else { throw failure(response) }
            return DeliveryReceipt()
        }
    }

    /// `text` with Slack's three control characters as the entities Slack decodes.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// An incoming webhook has no read-only call: the only way to test one is to post.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        .notChecked("a Slack incoming webhook cannot be checked without posting to its channel")
    }

    func failure(_ response: HTTPTransport.Response) -> ChannelFailure {
        let code = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let tag = " (\(code.isEmpty || code.count > 60 ? "HTTP \(response.status)" : "\(code), HTTP \(response.status)"))"
        switch code {
        case "invalid_token", "no_service", "no_service_id", "no_team", "team_disabled", "invalid_team":
            return .permanent("\(what): the webhook was deleted or revoked; create a new incoming webhook\(tag)")
        case "channel_not_found":
            return .permanent("\(what): the webhook's channel no longer exists\(tag)")
        case "channel_is_archived":
            return .permanent("\(what): the webhook's channel is archived\(tag)")
        case "action_prohibited", "posting_to_general_channel_denied":
            return .permanent("\(what): a workspace admin does not allow this webhook to post there\(tag)")
        case "msg_too_long":
            return .permanent("\(what): the text is over Slack's length limit\(tag)")
        case "invalid_payload", "no_text", "too_many_attachments":
            return .permanent("\(what): Slack rejected the message\(tag)")
        default:
            break
        }
        switch response.status {
        case 429:
            return .retryable("\(what): Slack is rate limiting this webhook\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case 500..<600:
            return .retryable("\(what): Slack server error\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case 404, 410:
            return .permanent("\(what): the webhook was deleted; create a new incoming webhook\(tag)")
        case 401, 403:
            return .permanent("\(what): Slack refused the webhook\(tag)")
        default:
            return .permanent("\(what): Slack rejected the message\(tag)")
        }
    }
}
