/// The starter playbook `playbook init` writes: from a few answers (which platforms the business
/// depends on, how it reaches its customers, where it posts instead, whether it runs ads), a
/// playbook that validates, a scenario test beside it that passes, and a `.env.example` naming
/// every secret the playbook reads through `${env.X}`.
///
/// The text is generated line by line (not from a YAML library) so that it keeps comments a
/// first-time user needs, and every value that is a secret is a quoted `${env.X}` reference.
public struct StarterPlaybook: Sendable, Equatable {
    /// How the business reaches its own customers (`notify`).
    public enum Reach: String, Sendable, CaseIterable {
        case email, sms, telegram, webhook
    }

    /// Where it speaks instead while the platform is dark (`post`).
    public enum Network: String, Sendable, CaseIterable {
        case x, mastodon, bluesky, telegram, slack, discord
    }

    /// Ad accounts to pause (`pause_ads`) and resume in recovery.
    public enum Ads: String, Sendable, CaseIterable {
        case meta, google
    }

    /// The playbook's id (a slug) and file name.
    public var name: String
    /// Platforms from the catalog that the business depends on.
    public var platforms: [String]
    public var reach: [Reach]
    /// The contacts file, relative to the playbook (a CSV in the layout of docs/language.md).
    public var contacts: String
    public var networks: [Network]
    public var ads: [Ads]
    public var timezone: String
    public var shopURL: String

    public init(
        name: String = "outage", platforms: [String] = ["facebook", "instagram", "whatsapp"], reach: [Reach] = [.email], contacts: String = "contacts.csv",
        networks: [Network] = [], ads: [Ads] = [], timezone: String = "UTC", shopURL: String = "https://shop.example.com"
    ) {
        self.name = name
        self.platforms = platforms
        self.reach = reach
        self.contacts = contacts
        self.networks = networks
        self.ads = ads
        self.timezone = timezone
        self.shopURL = shopURL
    }

    /// Why these answers cannot make a playbook (an unknown platform, a bad name), if so.
    public var problems: [String] {
        var problems: [String] = []
        if !Self.isSlug(name) { problems.append("the name '\(name)' must be a slug: lowercase letters, digits and '-', starting with a letter or digit") }
        if platforms.isEmpty { problems.append("name at least one platform you depend on (\(PlatformCatalog.ids.joined(separator: ", ")))") }
        for platform in platforms where PlatformCatalog.platform(platform) == nil {
            problems.append(
                "'\(platform)' is not a platform of the catalog\(Suggestion.hint(for: platform, in: PlatformCatalog.ids)) (choose from \(PlatformCatalog.ids.joined(separator: ", ")))")
        }
        if reach.isEmpty && networks.isEmpty && ads.isEmpty {
            problems.append("the playbook would do nothing: choose at least one way to reach customers, a network to post on, or ads to pause")
        }
        if contacts.isEmpty && !reach.isEmpty { problems.append("name the contacts file (a CSV export of your customers)") }
        return problems
    }

    static func isSlug(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 63 else { return false }
        let allowed = { (c: Unicode.Scalar) in ("a"..."z").contains(c) || ("0"..."9").contains(c) }
        return allowed(first) && text.unicodeScalars.allSatisfy { allowed($0) || $0 == "-" }
    }

    /// One file to write: its name (relative to the output folder) and text.
    public struct File: Sendable, Equatable {
        public var name: String
        public var text: String
    }

    /// The playbook, its scenario test and `.env.example`.
    public var files: [File] {
        [File(name: "\(name).yaml", text: playbook), File(name: "\(name).test.yaml", text: scenario), File(name: ".env.example", text: environmentExample)]
    }

    /// Every `${env.X}` the playbook reads, in order, with what it is.
    public var secrets: [(name: String, help: String)] {
        channels.flatMap(\.secrets)
    }
}
