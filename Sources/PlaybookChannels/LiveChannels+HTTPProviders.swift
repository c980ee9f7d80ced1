import PlaybookCore
import PlaybookEngine

extension LiveChannels {
    /// The adapters that speak a provider's HTTP API (twilio, slack, discord, telegram, mastodon,
    /// bluesky, x, meta_ads, google_ads); nil for other types.
    func makeHTTPProvider(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> (any Sendable)? {
        switch channel.type {
        default:
            return nil
        }
    }
}
