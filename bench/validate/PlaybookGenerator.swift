import Foundation

/// Writes varied, valid playbooks: a few to ~60 steps, every trigger kind, every channel type,
/// templates with locales, segments and expressions. Deterministic for a given seed, so that
/// runs on different days time the same input.
struct PlaybookGenerator {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    static let timezones = ["UTC", "Europe/Rome", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo"]
    static let platforms = ["facebook", "instagram", "whatsapp", "messenger", "threads", "x", "tiktok", "youtube", "linkedin", "pinterest", "telegram", "shopify"]
    static let networks = ["instagram", "facebook", "tiktok", "x", "youtube", "mastodon", "bluesky", "newsletter"]

    /// The contacts file every generated playbook reads (`contacts.csv` beside it).
    static let contactsCSV = """
        id,name,email,phone,tags,consent_email,consent_sms,timezone,locale,telegram_chat_id,tier
        c1,Ada,ada@example.com,+393331234567,vip;newsletter,true,true,Europe/Rome,it,111,gold
        c2,Bob,bob@example.com,,newsletter,yes,no,Europe/Berlin,de,,silver

        """
    static let calendarCSV = "id,network,scheduled_at,text,status\np1,instagram,2021-10-04T17:00:00Z,Teaser,scheduled\n"
    static let seriesCSV = "time,value\n2021-10-04T15:00:00Z,120\n"

    mutating func pick<T>(_ items: [T]) -> T { items[random.next(items.count)] }
    mutating func chance(_ percent: Int) -> Bool { random.next(100) < percent }

    /// Step counts skewed towards small playbooks, as people write them, with a tail to ~60.
    mutating func stepCount() -> Int {
        switch random.next(10) {
        case 0..<5: return 2 + random.next(6)
        case 5..<8: return 8 + random.next(15)
        default: return 23 + random.next(38)
        }
    }

    enum Kind: String { case platformDown = "platform_down", trafficDrop = "traffic_drop", manual, webhook }

    // swiftlint:disable:next function_body_length
    mutating func playbook(_ index: Int) -> String {
        var y = "# generated playbook \(index)\nversion: 1\nplaybook: gen-\(index)\n"
        y += "description: \"Generated playbook number \(index) for the validation benchmark.\"\n"
        if chance(70) { y += "timezone: \(pick(Self.timezones))\n" }
        y += "vars:\n  shop_url: https://shop\(index).example.com\n  threshold: \(1 + random.next(9))\n  brand: \"Brand \(index)\"\n"
        if chance(30) { y += "  limits: { daily: \(random.next(500)), hourly: \(random.next(50)) }\n" }

        // Triggers: every kind appears across the corpus; a traffic drop brings its source.
        var kinds: [Kind] = [pick([.platformDown, .trafficDrop, .manual, .webhook])]
        for _ in 0..<random.next(3) { kinds.append(pick([.platformDown, .trafficDrop, .manual, .webhook])) }
        if kinds.contains(.trafficDrop) {
            y += "sources:\n"
            switch random.next(4) {
            case 0: y += "  web:\n    type: prometheus\n    url: http://127.0.0.1:9090\n    query: sum(rate(http_requests_total{job=\"shop\"}[5m]))\n"
            case 1: y += "  web:\n    type: plausible\n    url: https://plausible.io\n    site_id: shop\(index).example.com\n    api_key: \"${env.PLAUSIBLE_KEY}\"\n"
            case 2: y += "  web: { type: json, url: \"https://stats.example.com/live\", field: data.visitors }\n"
            default: y += "  web: { type: csv, path: series.csv }\n"
            }
        }
        y += "triggers:\n"
        for (n, kind) in kinds.enumerated() {
            y += "  - id: t\(n)-\(kind.rawValue.replacingOccurrences(of: "_", with: "-"))\n"
            switch kind {
            case .platformDown:
                let count = 1 + random.next(3)
                let chosen = (0..<count).map { _ in Self.platforms[random.next(Self.platforms.count)] }
                let unique = chosen.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                if chance(25) {
                    y += "    platform_down:\n      platforms: [own-shop]\n      checks:\n"
                    y += "        - http: https://shop\(index).example.com/health\n          expect: 200-299\n"
                    y += "        - dns: shop\(index).example.com\n"
                    y += "        - statuspage: https://status.example.com/api/v2/summary.json\n          component: Checkout\n"
                    y += "      down_when: \(pick(["any", "majority", "all"]))\n"
                } else {
                    y += "    platform_down:\n      platforms: [\(unique.joined(separator: ", "))]\n"
                }
                if chance(60) { y += "      every: \(pick(["30s", "1m", "15s"]))\n" }
                if chance(30) { y += "      timeout: \(pick(["5s", "10s"]))\n" }
            case .trafficDrop:
                y += "    traffic_drop:\n      source: web\n      drop: \(10 + random.next(80))%\n"
                y += chance(50) ? "      baseline: \(pick(["7d", "1d", "14d"]))\n" : "      baseline: { fixed: \(10 + random.next(900)) }\n"
            case .manual:
                y += "    manual: {}\n"
            case .webhook:
                y += "    webhook: { path: /hooks/t\(n), secret: \"${env.HOOK_SECRET_\(n)}\" }\n"
            }
            if chance(70) { y += "    for: \(pick(["0s", "1m", "3m", "15m", "1h30m"]))\n" }
            if chance(40) { y += "    clear_for: \(pick(["5m", "10m", "30m"]))\n" }
        }

        // Channels: a file outbox always (it serves every action), then a random mix of the rest.
        var channels: [(id: String, type: String)] = [("outbox", "file")]
        y += "channels:\n  outbox: { type: file, path: outbox.jsonl }\n"
        let types = ["smtp", "twilio", "webhook", "slack", "discord", "telegram", "mastodon", "bluesky", "x", "meta_ads", "google_ads", "calendar"]
        for type in types where chance(55) {
            let id = type.replacingOccurrences(of: "_", with: "-")
            channels.append((id, type))
            y += channelYAML(id: id, type: type, index: index)
        }

        // Audience, templates, settings.
        let segments = ["vip": "'vip' in contact.tags", "everyone": "true", "consented": "contact.consent.email and contact.locale != 'xx'",
                        "gold": "contact.fields.tier == 'gold' or contact.name contains 'A'", "tg": "contact.fields.telegram_chat_id != ''"]
        let segmentIDs = segments.keys.sorted().filter { _ in chance(70) } + ["everyone"]
        y += "audience:\n  contacts: contacts.csv\n  segments:\n"
        for id in Set(segmentIDs).sorted() { y += "    \(id): \"\(segments[id]!)\"\n" }
        let templateCount = 1 + random.next(4)
        y += "templates:\n"
        for t in 0..<templateCount {
            y += "  tpl-\(t):\n    subject: \"{{ vars.brand }}: we are still open\"\n"
            y += "    text: |\n      Hi {{ contact.name }}, order at {{ vars.shop_url }}.\n      {{#contact.tags}}tag {{.}} {{/contact.tags}}incident {{ incident.id }}\n"
            if chance(40) {
                y += "    locales:\n      it:\n        subject: \"{{ vars.brand }}: siamo aperti\"\n        text: \"Ciao {{ contact.name }}, ordina su {{ vars.shop_url }}\"\n"
            }
        }
        y += "  public:\n    text: \"{{ vars.brand }} is still open at {{ vars.shop_url }}\"\n"
        if chance(40) { y += "settings:\n  quiet_hours: \"\(pick(["21:00-08:00", "22:30-07:00", "01:00-05:00"]))\"\n" }
        if chance(30) { y += "if: \"not (now.weekday == 'sun' and now.hour < 7)\"\n" }

        let conditions = conditionPool(kinds)
        y += "steps:\n"
        let steps = stepCount()
        for s in 0..<steps {
            y += step(id: "s\(s)", previous: s, prefix: "s", channels: channels, segments: Set(segmentIDs).sorted(), templates: templateCount, conditions: conditions)
        }
        if chance(70) {
            y += "recovery:\n"
            for r in 0..<(1 + random.next(5)) {
                y += step(id: "r\(r)", previous: r, prefix: "r", channels: channels, segments: Set(segmentIDs).sorted(), templates: templateCount, conditions: conditions, recovery: true)
            }
        }
        return y
    }

    func conditionPool(_ kinds: [Kind]) -> [String] {
        var pool = ["incident.active", "now.hour >= 8 and now.hour < 22", "vars.threshold > 3", "incident.elapsed < 2h", "now.weekday != 'sat'",
                    "vars.brand contains 'Brand'", "trigger.kind == 'manual' or incident.active"]
        if kinds.contains(.platformDown) { pool += ["'facebook' in trigger.platforms or 'instagram' in trigger.platforms", "trigger.platform_names != ''"] }
        if kinds.contains(.trafficDrop) { pool += ["trigger.drop >= 0.5", "trigger.value < trigger.baseline"] }
        if kinds.contains(.webhook) { pool += ["trigger.payload.severity == 'major'"] }
        return pool
    }

    mutating func channelYAML(id: String, type: String, index: Int) -> String {
        let env = "${env.\(id.uppercased().replacingOccurrences(of: "-", with: "_"))_TOKEN}"
        // Some flow-style lines keep the contract's unquoted spelling, the rest quote the secret.
        let quoted = chance(70) ? "\"\(env)\"" : env
        switch type {
        case "smtp":
            return "  \(id):\n    type: smtp\n    host: smtp.example.com\n    port: 587\n    security: starttls\n    username: \"${env.SMTP_USER}\"\n    password: \"${env.SMTP_PASSWORD}\"\n    from: \"Shop \(index) <hello@shop\(index).example.com>\"\n"
        case "twilio":
            return chance(50)
                ? "  \(id): { type: twilio, account_sid: \(quoted), auth_token: \"${env.TWILIO_TOKEN}\", from: \"+39000000\(String(format: "%04d", index % 10_000))\", rate: 10/s }\n"
                : "  \(id):\n    type: twilio\n    account_sid: \"${env.TWILIO_SID}\"\n    auth_token: \"${env.TWILIO_TOKEN}\"\n    messaging_service_sid: MG123\n"
        case "webhook":
            return "  \(id):\n    type: webhook\n    url: https://hooks.example.com/\(index)\n    secret: \(quoted)\n    headers:\n      X-Shop: \"shop-\(index)\"\n"
        case "slack", "discord":
            return "  \(id): { type: \(type), webhook_url: \(quoted) }\n"
        case "telegram":
            return "  \(id): { type: telegram, bot_token: \(quoted), chat_id: \"@shop\(index)\" }\n"
        case "mastodon":
            return "  \(id): { type: mastodon, instance: https://mastodon.social, token: \(quoted), visibility: unlisted }\n"
        case "bluesky":
            return "  \(id): { type: bluesky, handle: shop\(index).example.com, app_password: \(quoted) }\n"
        case "x":
            return "  \(id): { type: x, token: \(quoted), concurrency: 4 }\n"
        case "meta_ads":
            return "  \(id): { type: meta_ads, ad_account: act_\(1_000_000 + index), access_token: \(quoted), api_version: v21.0 }\n"
        case "google_ads":
            return "  \(id):\n    type: google_ads\n    customer_id: 123-456-\(String(format: "%04d", index % 10_000))\n    developer_token: \(quoted)\n    access_token: \"${env.GOOGLE_TOKEN}\"\n"
        default:  // calendar
            return "  \(id): { type: calendar, path: content/calendar.csv }\n"
        }
    }

    // swiftlint:disable:next function_parameter_count
    mutating func step(id: String, previous: Int, prefix: String, channels: [(id: String, type: String)], segments: [String],
                       templates: Int, conditions: [String], recovery: Bool = false) -> String {
        func ids(_ action: String) -> [String] {
            channels.filter { ChannelActions.serves($0.type, action) }.map(\.id)
        }
        var actions = ["notify", "post", "webhook", "wait", "log", "reschedule_posts", "restore_posts"]
        actions += recovery ? ["resume_ads"] : ["pause_ads"]
        var y = "  - id: \(id)\n"
        switch pick(actions) {
        case "notify":
            let via = Array(ids("notify").shuffled(using: &random).prefix(1 + random.next(3)))
            y += "    notify:\n      segment: \(pick(segments))\n      via: [\(via.joined(separator: ", "))]\n"
            y += chance(70) ? "      template: tpl-\(random.next(templates))\n" : "      message:\n        subject: \"Hello {{ contact.name }}\"\n        text: \"We are open: {{ vars.shop_url }}\"\n"
            if chance(20) { y += "      mode: all\n" }
        case "post":
            let to = Array(ids("post").shuffled(using: &random).prefix(1 + random.next(4)))
            y += "    post:\n      to: [\(to.joined(separator: ", "))]\n"
            switch random.next(3) {
            case 0: y += "      template: public\n"
            case 1: y += "      text: \"Still open, order on our site while the platforms are down.\"\n      link: https://shop.example.com\n"
            default: y += "      text: \"{{ vars.brand }} is open at {{ vars.shop_url }} ({{ incident.id }})\"\n"
            }
        case "webhook":
            let hooks = ids("webhook")
            y += "    webhook:\n"
            y += chance(60) ? "      channel: \(pick(hooks))\n" : "      url: \"${env.HOOK_URL}\"\n      method: PUT\n"
            y += "      body:\n        event: outage\n        incident: \"{{ incident.id }}\"\n        tags: [a, b, c]\n        count: \(random.next(100))\n"
        case "wait":
            y += "    wait: { for: \(pick(["30s", "5m", "1h"])) }\n"
        case "log":
            y += "    log: { message: \"step \(id) of incident {{ incident.id }}\" }\n"
        case "reschedule_posts":
            y += "    reschedule_posts:\n      channel: \(pick(ids("reschedule_posts")))\n      networks: [\(Array(Self.networks.shuffled(using: &random).prefix(1 + random.next(3))).joined(separator: ", "))]\n      window: 24h\n      shift: \(pick(["12h", "48h", "1d"]))\n"
        case "restore_posts":
            y += "    restore_posts: { channel: \(pick(ids("restore_posts"))) }\n"
        case "pause_ads":
            let campaigns = pick(["all", "[c1, c2, c3]", "{ name_matches: \"^(Shop|Sale) .*\" }"])
            y += "    pause_ads: { channel: \(pick(ids("pause_ads"))), campaigns: \(campaigns) }\n"
        default:
            y += "    resume_ads: { channel: \(pick(ids("resume_ads"))) }\n"
        }
        // Timing and flow: only earlier steps in `after`, so there is never a cycle.
        if previous > 0, chance(40) {
            let deps = Set((0..<(1 + random.next(3))).map { _ in random.next(previous) }).sorted()
            y += "    after: [\(deps.map { "\(prefix)\($0)" }.joined(separator: ", "))]\n"
            if chance(40) { y += "    delay: \(pick(["1m", "10m", "1h"]))\n" }
        } else if chance(30) {
            y += "    at: \(pick(["0s", "+5m", "10m", "1h30m"]))\n"
        }
        if chance(35) {
            var condition = pick(conditions)
            if previous > 0, chance(30) { condition = "steps.\(prefix)\(random.next(previous)).status == '\(pick(["succeeded", "failed", "skipped"]))'" }
            y += "    if: \"\(condition)\"\n"
        }
        if chance(20) { y += "    retry: { attempts: \(1 + random.next(6)), backoff: \(pick(["5s", "10s", "1m"])) }\n" }
        if chance(10) { y += "    timeout: \(pick(["30s", "2m", "5m"]))\n" }
        if chance(10) { y += "    continue_on_error: true\n" }
        return y
    }
}

/// The channel/action fit of channels (docs/channels.md) table, restated so the generator only writes valid steps.
enum ChannelActions {
    static func serves(_ type: String, _ action: String) -> Bool {
        switch type {
        case "file": return true
        case "smtp", "twilio": return action == "notify"
        case "webhook": return ["notify", "post", "webhook"].contains(action)
        case "slack", "discord", "mastodon", "bluesky", "x": return action == "post"
        case "telegram": return ["notify", "post"].contains(action)
        case "meta_ads", "google_ads": return ["pause_ads", "resume_ads"].contains(action)
        case "calendar": return ["reschedule_posts", "restore_posts"].contains(action)
        default: return false
        }
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
