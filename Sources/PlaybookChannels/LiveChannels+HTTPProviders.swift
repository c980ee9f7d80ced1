import PlaybookCore
import PlaybookEngine

extension LiveChannels {
    /// The adapters that speak a provider's HTTP API (twilio, slack, discord, telegram, mastodon,
    /// bluesky, x, meta_ads, google_ads); nil for other types.
    func makeHTTPProvider(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> (any Sendable)? {
        let id = channel.id.value
        switch channel.type {
        case .twilio:
            return TwilioChannel(
                name: id, transport: try transport(channel), accountSID: try required(channel, "account_sid"), authToken: try required(channel, "auth_token"),
                from: try value(channel, "from"), messagingServiceSID: try value(channel, "messaging_service_sid"))
        case .slack:
            return SlackChannel(name: id, transport: try transport(channel), webhookURL: try required(channel, "webhook_url"))
        case .discord:
            return DiscordChannel(name: id, transport: try transport(channel), webhookURL: try required(channel, "webhook_url"))
        case .telegram:
            return TelegramChannel(
                name: id, transport: try transport(channel), botToken: try required(channel, "bot_token"), chatID: try value(channel, "chat_id"))
        case .mastodon:
            return MastodonChannel(
                name: id, transport: try transport(channel), instance: try required(channel, "instance"), token: try required(channel, "token"),
                visibility: try value(channel, "visibility"))
        case .bluesky:
            return BlueskyChannel(
                name: id, transport: try transport(channel), handle: try required(channel, "handle"), appPassword: try required(channel, "app_password"),
                service: try value(channel, "service"))
        case .x:
            return XChannel(name: id, transport: try transport(channel), token: try required(channel, "token"))
        case .metaAds:
            return MetaAdsChannel(
                name: id, transport: try transport(channel), adAccount: try required(channel, "ad_account"), accessToken: try required(channel, "access_token"),
                apiVersion: try value(channel, "api_version"))
        case .googleAds:
            return GoogleAdsChannel(
                name: id, transport: try transport(channel), customerID: try required(channel, "customer_id"),
                developerToken: try required(channel, "developer_token"), accessToken: try required(channel, "access_token"),
                loginCustomerID: try value(channel, "login_customer_id"))
        default:
            return nil
        }
    }

    /// A field the adapter cannot work without; validation requires it, this names it if empty.
    private func required(_ channel: PlaybookCore.Channel, _ field: String) throws(ChannelFailure) -> String {
        guard let text = try value(channel, field), !text.isEmpty else { throw .permanent("channel '\(channel.id.value)': '\(field)' is empty") }
        return text
    }
}
