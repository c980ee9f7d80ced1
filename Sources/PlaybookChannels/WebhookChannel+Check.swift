import PlaybookEngine

extension WebhookChannel: ChannelCheck {
    /// A webhook has no read-only call we could know of: only the receiving system can tell.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        .notChecked("a webhook cannot be checked without calling it")
    }
}
