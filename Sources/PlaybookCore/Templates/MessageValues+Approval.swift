import Foundation

extension MessageValues {
    /// The values of an approval's request: these plus `approval.url` (the link that decides
    /// it; empty when no listener serves links) and `approval.expires_at` (ISO 8601, UTC).
    ///
    /// The rendered text then holds the link's token, a secret: whoever journals or logs it
    /// must redact it.
    public func withApproval(url: String, expiresAt: Date) -> MessageValues {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var values = typed
        values["approval"] = .object(["url": .text(url), "expires_at": .text(formatter.string(from: expiresAt))])
        return MessageValues(values)
    }
}
