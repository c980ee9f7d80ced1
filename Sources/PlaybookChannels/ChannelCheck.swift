import PlaybookEngine

/// What `playbook channels check` learned from one channel.
public enum ChannelCheckResult: Sendable, Equatable {
    /// The credentials work; the text says what they reach ("bot @shop_bot", "ad account Shop (active)").
    case ok(String)
    /// The channel cannot be checked without sending something (Slack and generic webhooks).
    case notChecked(String)
}

/// A channel that can prove its configuration with one harmless, authenticated call: it reads
/// the account behind the credentials and changes nothing.
///
/// Kept out of the engine's ports on purpose: the engine never checks, only the CLI does.
public protocol ChannelCheck: Sendable {
    func check() async throws(ChannelFailure) -> ChannelCheckResult
}
