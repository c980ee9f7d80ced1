/// Why a channel call failed, and whether trying again can help.
///
/// Adapters map each provider's errors here (a 401 is permanent, a 429 retryable after the
/// provider's hint), and never put a token or password in `message`.
public struct ChannelFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Worth retrying; `after` is the provider's hint in seconds (Retry-After, retry_after…).
        case retryable(after: Double?)
        /// Retrying cannot help (bad token, unknown chat, unsubscribed number).
        case permanent
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func retryable(_ message: String, after: Double? = nil) -> ChannelFailure { ChannelFailure(.retryable(after: after), message) }
    public static func permanent(_ message: String) -> ChannelFailure { ChannelFailure(.permanent, message) }

    public var isRetryable: Bool {
        if case .retryable = kind { return true }
        return false
    }

    public var description: String { message }
}
