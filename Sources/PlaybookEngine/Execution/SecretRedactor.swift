/// Removes secret values (everything that came from `${env.X}`) from any text before it is
/// printed, logged or journaled — a second line of defence behind adapters that never put a
/// token in a message.
public struct SecretRedactor: Sendable {
    private let secrets: [String]

    public init(secrets: [String]) {
        // Longest first, so that a secret containing another is removed whole; very short values
        // (under 4 characters) are not secrets worth masking and would mangle ordinary text.
        self.secrets = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return out
    }
}
