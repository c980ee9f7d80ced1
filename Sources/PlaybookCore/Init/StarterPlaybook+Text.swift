extension StarterPlaybook {
    /// A channel of the starter playbook: its id, its YAML lines, and the secrets it reads.
    struct StarterChannel {
        var id: String
        var lines: [String]
        var secrets: [(name: String, help: String)]
    }

    static func secret(_ name: String) -> String { "\"${env.\(name)}\"" }

    /// The channels, in the order they appear: reaching customers, posting, ads.
    var channels: [StarterChannel] {
        var channels: [StarterChannel] = []
        for way in reach {
            switch way {
            case .email:
                channels.append(
                    StarterChannel(
                        id: "email",
                        lines: [
                            "type: smtp", "host: smtp.example.com          # your mail provider's SMTP submission host", "port: 587", "security: starttls",
                            "username: \(Self.secret("SMTP_USER"))", "password: \(Self.secret("SMTP_PASSWORD"))",
                            "from: \"Shop <hello@shop.example.com>\"", "rate: 10/s",
                        ],
                        secrets: [("SMTP_USER", "SMTP user name"), ("SMTP_PASSWORD", "SMTP password")]))
            case .sms:
                channels.append(
                    StarterChannel(
                        id: "sms",
                        lines: [
                            "type: twilio", "account_sid: \(Self.secret("TWILIO_ACCOUNT_SID"))", "auth_token: \(Self.secret("TWILIO_AUTH_TOKEN"))",
                            "from: \"+15550000000\"               # your Twilio number, E.164",
                        ],
                        secrets: [("TWILIO_ACCOUNT_SID", "Twilio account SID (AC...)"), ("TWILIO_AUTH_TOKEN", "Twilio auth token")]))
            case .telegram:
                channels.append(
                    StarterChannel(
                        id: "telegram-dm", lines: ["type: telegram", "bot_token: \(Self.secret("TELEGRAM_BOT_TOKEN"))"],
                        secrets: [("TELEGRAM_BOT_TOKEN", "bot token from @BotFather")]))
            case .webhook:
                channels.append(
                    StarterChannel(
                        id: "crm", lines: ["type: webhook", "url: \(Self.secret("CRM_WEBHOOK_URL"))", "secret: \(Self.secret("CRM_WEBHOOK_SECRET"))"],
                        secrets: [("CRM_WEBHOOK_URL", "URL your CRM or automation tool receives one POST per customer on"), ("CRM_WEBHOOK_SECRET", "HMAC key for X-Playbook-Signature")]))
            }
        }
        for network in networks {
            switch network {
            case .x:
                channels.append(StarterChannel(id: "x", lines: ["type: x", "token: \(Self.secret("X_TOKEN"))"], secrets: [("X_TOKEN", "X OAuth 2 user token")]))
            case .mastodon:
                channels.append(
                    StarterChannel(
                        id: "mastodon", lines: ["type: mastodon", "instance: https://mastodon.social", "token: \(Self.secret("MASTODON_TOKEN"))"],
                        secrets: [("MASTODON_TOKEN", "Mastodon access token with write:statuses")]))
            case .bluesky:
                channels.append(
                    StarterChannel(
                        id: "bluesky", lines: ["type: bluesky", "handle: shop.example.com", "app_password: \(Self.secret("BLUESKY_APP_PASSWORD"))"],
                        secrets: [("BLUESKY_APP_PASSWORD", "Bluesky app password")]))
            case .telegram:
                channels.append(
                    StarterChannel(
                        id: "telegram", lines: ["type: telegram", "bot_token: \(Self.secret("TELEGRAM_BOT_TOKEN"))", "chat_id: \"@yourchannel\""],
                        secrets: [("TELEGRAM_BOT_TOKEN", "bot token from @BotFather")]))
            case .slack:
                channels.append(
                    StarterChannel(
                        id: "slack", lines: ["type: slack", "webhook_url: \(Self.secret("SLACK_WEBHOOK_URL"))"], secrets: [("SLACK_WEBHOOK_URL", "Slack incoming webhook URL")]))
            case .discord:
                channels.append(
                    StarterChannel(
                        id: "discord", lines: ["type: discord", "webhook_url: \(Self.secret("DISCORD_WEBHOOK_URL"))"],
                        secrets: [("DISCORD_WEBHOOK_URL", "Discord webhook URL")]))
            }
        }
        for account in ads {
            switch account {
            case .meta:
                channels.append(
                    StarterChannel(
                        id: "meta-ads", lines: ["type: meta_ads", "ad_account: act_0000000000          # your ad account id", "access_token: \(Self.secret("META_ACCESS_TOKEN"))"],
                        secrets: [("META_ACCESS_TOKEN", "Meta Marketing API access token (ads_management)")]))
            case .google:
                channels.append(
                    StarterChannel(
                        id: "google-ads",
                        lines: [
                            "type: google_ads", "customer_id: \"0000000000\"            # your Google Ads customer id",
                            "developer_token: \(Self.secret("GOOGLE_ADS_DEVELOPER_TOKEN"))", "access_token: \(Self.secret("GOOGLE_ADS_ACCESS_TOKEN"))",
                        ],
                        secrets: [("GOOGLE_ADS_DEVELOPER_TOKEN", "Google Ads developer token"), ("GOOGLE_ADS_ACCESS_TOKEN", "Google OAuth access token")]))
            }
        }
        // Telegram as both a way to reach customers and a network shares one bot token: list it once.
        var seen = Set<String>()
        return channels.map { channel in
            var channel = channel
            channel.secrets = channel.secrets.filter { seen.insert($0.name).inserted }
            return channel
        }
    }

    var reachChannelIDs: [String] { channels.prefix(reach.count).map(\.id) }
    var networkChannelIDs: [String] { Array(channels.dropFirst(reach.count).prefix(networks.count).map(\.id)) }
    var adsChannelIDs: [String] { Array(channels.suffix(ads.count).map(\.id)) }

    /// The playbook's YAML.
    public var playbook: String {
        let names = PlatformCatalog.names(platforms)
        var y: [String] = [
            "# What to do when \(names) \(platforms.count == 1 ? "goes" : "go") dark: written by `playbook init`.",
            "# Check it:   playbook validate \(name).yaml && playbook test \(name).test.yaml",
            "# Preview it: playbook plan \(name).yaml --set trigger.platforms=\(platforms.joined(separator: ","))",
            "# Run it:     playbook run \(name).yaml   (secrets: see .env.example)",
            "version: 1",
            "playbook: \(name)",
            "description: Keep selling when \(names) \(platforms.count == 1 ? "is" : "are") down.",
            "timezone: \(timezone)",
            "",
            "vars:",
            "  shop_url: \(shopURL)",
            "",
            "triggers:",
            "  - id: platform-down",
            "    platform_down:",
            "      platforms: [\(platforms.joined(separator: ", "))]",
            "      every: 30s",
            "    for: 3m                # must hold this long before the playbook runs",
            "    clear_for: 10m         # healthy this long before recovery runs",
            "  - id: by-hand",
            "    manual: {}             # playbook run \(name).yaml --trigger by-hand",
            "",
            "channels:",
        ]
        for channel in channels {
            y.append("  \(channel.id):")
            y += channel.lines.map { "    \($0)" }
        }
        if !reach.isEmpty {
            y += [
                "", "audience:", "  contacts: \(contacts)       # id,name,email,phone,tags,consent_email,consent_sms,timezone,locale", "  segments:",
                "    everyone: \"true\"",
                "", "templates:", "  outage-notice:", "    subject: \"We're still open while {{ trigger.platform_names }} is down\"", "    text: |",
                "      Hi {{ contact.name }}, {{ trigger.platform_names }} is down right now, but we are not.",
                "      You can still order at {{ vars.shop_url }}.",
            ]
        }
        if reach.contains(.sms) { y += ["", "settings:", "  quiet_hours: \"21:00-08:00\"  # SMS waits until morning in each customer's timezone"] }
        y += ["", "steps:"]
        if !reach.isEmpty {
            y += [
                "  - id: tell-customers", "    notify:", "      segment: everyone", "      via: [\(reachChannelIDs.joined(separator: ", "))]   # each customer gets the first they can receive",
                "      template: outage-notice",
            ]
        }
        for id in adsChannelIDs {
            y += ["  - id: pause-\(id)", "    pause_ads: { channel: \(id), campaigns: all }   # only active ones; recovery resumes exactly these"]
        }
        if !networkChannelIDs.isEmpty {
            y += [
                "  - id: post-elsewhere", "    post:", "      to: [\(networkChannelIDs.joined(separator: ", "))]",
                "      text: \"{{ trigger.platform_names }} is down, we are not: {{ vars.shop_url }}\"", "    retry: { attempts: 5, backoff: 10s }",
            ]
        }
        y += ["  - id: note", "    log: { message: \"{{ trigger.platform_names }} down; playbook \(name) ran\" }"]
        y += ["", "recovery:"]
        for id in adsChannelIDs { y += ["  - id: resume-\(id)", "    resume_ads: { channel: \(id) }"] }
        if !networkChannelIDs.isEmpty {
            y += ["  - id: back", "    post: { to: [\(networkChannelIDs.joined(separator: ", "))], text: \"We're back on \(names)!\" }"]
        }
        y += ["  - id: recovered", "    log: { message: \"\(names) back; recovery done\" }"]
        return y.joined(separator: "\n") + "\n"
    }

    /// A scenario test that replays an outage of the first platform and checks the timeline.
    public var scenario: String {
        let first = platforms[0]
        var y: [String] = [
            "# \(PlatformCatalog.names([first])) down for two hours: the playbook fires after 'for' and recovers after 'clear_for'.",
            "test: \(PlatformCatalog.names([first])) down for two hours",
            "playbook: \(name).yaml",
            "at: 2021-10-04T15:30:00Z",
            "trigger: platform-down",
            "observations:",
            "  - { at: \"15:30\", platform: \(first), up: true }",
            "  - { at: \"15:40\", platform: \(first), up: false }",
            "  - { at: \"17:40\", platform: \(first), up: true }",
            "expect:",
            "  fires_at: \"15:43\"        # 15:40 + for: 3m",
            "  resolves_at: \"17:50\"     # 17:40 + clear_for: 10m",
            "  steps:",
        ]
        if !reach.isEmpty { y.append("    tell-customers: { offset: 0s, runs: true }") }
        for id in adsChannelIDs { y.append("    pause-\(id): { offset: 0s, runs: true }") }
        if !networkChannelIDs.isEmpty { y.append("    post-elsewhere: { offset: 0s, runs: true }") }
        y.append("    note: { offset: 0s, runs: true }")
        y.append("    recovered: { offset: 0s, starts_at: \"17:50\" }")
        return y.joined(separator: "\n") + "\n"
    }

    /// `.env.example`: every secret, with what it is; copy to `.env` (never commit that one).
    public var environmentExample: String {
        var lines = [
            "# The secrets \(name).yaml reads through ${env.X}. Copy to .env (keep it out of git), fill in,",
            "# and load it into the environment of `playbook run` / `playbook watch` (e.g. systemd's EnvironmentFile=).",
            "# `playbook validate \(name).yaml --env` checks they are all set.",
        ]
        for secret in secrets { lines += ["# \(secret.help)", "\(secret.name)="] }
        return lines.joined(separator: "\n") + "\n"
    }
}
