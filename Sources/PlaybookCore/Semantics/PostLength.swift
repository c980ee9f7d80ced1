/// How long a post is in each network's own count.
///
/// X and Mastodon count every link as 23 characters (X wraps them in t.co; Mastodon documents the
/// same fixed weight); Bluesky counts graphemes; Telegram and Discord count characters.
public enum PostLength {
    public static func count(_ text: String, link: String?, for type: ChannelType) -> Int {
        let full = link.map { text.isEmpty ? $0 : text + " " + $0 } ?? text
        switch type {
        case .x, .mastodon:
            return full.split(separator: " ", omittingEmptySubsequences: false).reduce(0) { total, word in
                total + (word.hasPrefix("http://") || word.hasPrefix("https://") ? 23 : word.count)
            } + max(0, full.split(separator: " ", omittingEmptySubsequences: false).count - 1)
        case .telegram:
            return full.utf16.count
        default:
            return full.count
        }
    }
}
