/// The channel types of channels (docs/channels.md), with the fields each takes and the actions each can serve.
///
/// This table is the single description of channel configuration: the reader checks keys and
/// required fields against it, and the JSON Schema is generated from it.
public enum ChannelType: String, Sendable, CaseIterable {
    case smtp, twilio, webhook, slack, discord, telegram, mastodon, bluesky, x
    case metaAds = "meta_ads"
    case googleAds = "google_ads"
    case calendar, file

    /// One configuration field of a channel type.
    public struct Field: Sendable {
        public enum Kind: Sendable { case text, url, integer, choice([String]), headers }
        public var name: String
        public var kind: Kind
        public var required: Bool
        public var help: String
    }

    static func field(_ name: String, _ kind: Field.Kind, required: Bool = false, _ help: String) -> Field {
        Field(name: name, kind: kind, required: required, help: help)
    }

    static func field(_ name: String, required: Bool = false, _ help: String) -> Field {
        Field(name: name, kind: .text, required: required, help: help)
    }

    /// Whether the channel speaks HTTP (and so takes `base_url`).
    public var isHTTP: Bool { ![.smtp, .calendar, .file].contains(self) }

    public var fields: [Field] {
        switch self {
        case .smtp:
            return [
                Self.field("host", required: true, "SMTP submission server"),
                Self.field("port", .integer, "port; default 587 for starttls, 465 for tls, 25 for none"),
                Self.field("security", .choice(["starttls", "tls", "none"]), "transport security; default starttls"),
                Self.field("username", "AUTH user name"), Self.field("password", "AUTH password"),
                Self.field("from", required: true, "sender, e.g. \"Shop <hello@shop.example>\""),
                Self.field("list_unsubscribe", "List-Unsubscribe target (mailto: or https: URL)"),
            ]
        case .twilio:
            return [
                Self.field("account_sid", required: true, "Twilio account SID"),
                Self.field("auth_token", required: true, "Twilio auth token"),
                Self.field("from", "sending number in E.164"), Self.field("messaging_service_sid", "Messaging Service SID"),
            ]
        case .webhook:
            return [
                Self.field("url", .url, required: true, "endpoint receiving JSON POSTs"),
                Self.field("secret", "HMAC-SHA256 key for X-Playbook-Signature"), Self.field("headers", .headers, "extra request headers"),
            ]
        case .slack, .discord:
            return [Self.field("webhook_url", .url, required: true, "incoming webhook URL")]
        case .telegram:
            return [Self.field("bot_token", required: true, "bot token from @BotFather"), Self.field("chat_id", "chat id or @channel for post")]
        case .mastodon:
            return [
                Self.field("instance", .url, required: true, "instance URL, e.g. https://mastodon.social"),
                Self.field("token", required: true, "access token with write:statuses"),
                Self.field("visibility", .choice(["public", "unlisted", "private", "direct"]), "status visibility; default public"),
            ]
        case .bluesky:
            return [
                Self.field("handle", required: true, "account handle"), Self.field("app_password", required: true, "app password"),
                Self.field("service", .url, "PDS URL; default https://bsky.social"),
            ]
        case .x:
            return [Self.field("token", required: true, "OAuth 2 user access token with tweet.write")]
        case .metaAds:
            return [
                Self.field("ad_account", required: true, "ad account id, act_NNN"),
                Self.field("access_token", required: true, "Marketing API access token"),
                Self.field("api_version", "Graph API version, e.g. v21.0"),
            ]
        case .googleAds:
            return [
                Self.field("customer_id", required: true, "customer id, digits"),
                Self.field("developer_token", required: true, "developer token"),
                Self.field("access_token", required: true, "OAuth access token"),
                Self.field("login_customer_id", "manager account id"),
            ]
        case .calendar:
            return [Self.field("path", required: true, "CSV content calendar: id,network,scheduled_at,text,status")]
        case .file:
            return [Self.field("path", required: true, "JSON lines outbox")]
        }
    }

    /// Keys every channel takes.
    public static let commonFields = ["type", "concurrency", "rate", "base_url"]

    /// The actions a channel of this type can serve.
    public var actions: Set<String> {
        switch self {
        case .smtp, .twilio: return ["notify"]
        case .webhook: return ["notify", "post", "webhook"]
        case .slack, .discord, .mastodon, .bluesky, .x: return ["post"]
        case .telegram: return ["post", "notify"]
        case .metaAds, .googleAds: return ["pause_ads", "resume_ads"]
        case .calendar: return ["reschedule_posts", "restore_posts"]
        case .file: return ["notify", "post", "pause_ads", "resume_ads", "reschedule_posts", "restore_posts", "webhook"]
        }
    }

    /// The longest post text the network accepts, in characters (graphemes), when it has a limit.
    public var postLengthLimit: Int? {
        switch self {
        case .x: return 280
        case .bluesky: return 300
        case .mastodon: return 500
        case .telegram: return 4096
        case .discord: return 2000
        case .slack: return 40_000
        default: return nil
        }
    }

    /// The name of the network for messages ("X", "Bluesky").
    public var displayName: String {
        switch self {
        case .x: return "X"
        case .bluesky: return "Bluesky"
        case .mastodon: return "Mastodon"
        case .telegram: return "Telegram"
        case .discord: return "Discord"
        case .slack: return "Slack"
        case .metaAds: return "Meta Ads"
        case .googleAds: return "Google Ads"
        case .smtp: return "SMTP"
        case .twilio: return "Twilio"
        default: return rawValue
        }
    }
}
