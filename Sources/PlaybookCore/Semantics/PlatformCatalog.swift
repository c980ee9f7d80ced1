/// The built-in platforms of triggers (docs/language.md) and how to tell each is down when a trigger gives no `checks`.
///
/// Three checks per platform, so that `down_when: majority` (the default) needs two failing:
/// the DNS name (what failed first on 4 October 2021, when Meta's authoritative servers
/// vanished), the public web front door, and a second door — the API host, which answers even
/// without credentials (any status below 500 passes), or a second name. No vendor status page:
/// they lag real outages and move, and a check that fails for its own reasons halves the margin
/// of the majority. Overridable per trigger with `checks`; listed in docs/watch.md (a test keeps
/// that table and this one equal).
public enum PlatformCatalog {
    public struct Platform: Sendable {
        public var id: String
        public var name: String
        public var checks: [ProbeCheck]
    }

    public static let platforms: [Platform] = [
        Platform(id: "facebook", name: "Facebook", checks: [.dns(name: "facebook.com", server: nil), .http(url: "https://www.facebook.com/", expect: 200...399), .http(url: "https://graph.facebook.com/", expect: 200...499)]),
        Platform(id: "instagram", name: "Instagram", checks: [.dns(name: "instagram.com", server: nil), .http(url: "https://www.instagram.com/", expect: 200...399), .http(url: "https://i.instagram.com/", expect: 200...499)]),
        Platform(id: "whatsapp", name: "WhatsApp", checks: [.dns(name: "whatsapp.com", server: nil), .http(url: "https://web.whatsapp.com/", expect: 200...399), .dns(name: "g.whatsapp.net", server: nil)]),
        Platform(id: "messenger", name: "Messenger", checks: [.dns(name: "messenger.com", server: nil), .http(url: "https://www.messenger.com/", expect: 200...399), .dns(name: "edge-chat.messenger.com", server: nil)]),
        Platform(id: "threads", name: "Threads", checks: [.dns(name: "threads.net", server: nil), .http(url: "https://www.threads.net/", expect: 200...399), .dns(name: "www.threads.net", server: nil)]),
        Platform(id: "x", name: "X", checks: [.dns(name: "x.com", server: nil), .http(url: "https://x.com/", expect: 200...399), .http(url: "https://api.x.com/2/openapi.json", expect: 200...499)]),
        Platform(id: "tiktok", name: "TikTok", checks: [.dns(name: "tiktok.com", server: nil), .http(url: "https://www.tiktok.com/", expect: 200...399), .http(url: "https://open.tiktokapis.com/", expect: 200...499)]),
        Platform(id: "youtube", name: "YouTube", checks: [.dns(name: "youtube.com", server: nil), .http(url: "https://www.youtube.com/", expect: 200...399), .http(url: "https://www.googleapis.com/youtube/v3/", expect: 200...499)]),
        Platform(id: "linkedin", name: "LinkedIn", checks: [.dns(name: "linkedin.com", server: nil), .http(url: "https://www.linkedin.com/", expect: 200...399), .http(url: "https://api.linkedin.com/", expect: 200...499)]),
        Platform(id: "pinterest", name: "Pinterest", checks: [.dns(name: "pinterest.com", server: nil), .http(url: "https://www.pinterest.com/", expect: 200...399), .http(url: "https://api.pinterest.com/v5/", expect: 200...499)]),
        Platform(id: "telegram", name: "Telegram", checks: [.dns(name: "telegram.org", server: nil), .http(url: "https://web.telegram.org/", expect: 200...399), .http(url: "https://api.telegram.org/", expect: 200...499)]),
        Platform(id: "shopify", name: "Shopify", checks: [.dns(name: "shopify.com", server: nil), .http(url: "https://www.shopify.com/", expect: 200...399), .http(url: "https://shops.myshopify.com/", expect: 200...499)]),
    ]

    public static let ids = platforms.map(\.id)

    public static func platform(_ id: String) -> Platform? { platforms.first { $0.id == id } }

    /// "Facebook and Instagram", "Facebook, Instagram and WhatsApp".
    public static func names(_ ids: [String]) -> String {
        let names = ids.map { platform($0)?.name ?? $0 }
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    /// Networks a content calendar may hold posts for.
    public static let networks = ids + ["mastodon", "bluesky", "newsletter", "blog"]
}
