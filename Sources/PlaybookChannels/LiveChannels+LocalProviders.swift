import PlaybookCore
import PlaybookEngine

extension LiveChannels {
    /// The adapters that are not HTTP APIs (smtp, calendar); nil for other types.
    func makeLocalProvider(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> (any Sendable)? {
        switch channel.type {
        default:
            return nil
        }
    }
}
