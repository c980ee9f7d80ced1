extension PlaybookReader {
    static let triggerCommonKeys = ["id", "for", "clear_for"]

    /// The keys each trigger kind takes.
    static let triggerKindKeys: [String: [String]] = [
        "platform_down": ["platforms", "checks", "down_when", "every", "timeout"],
        "traffic_drop": ["source", "drop", "baseline", "every"], "webhook": ["path", "secret"], "manual": [],
    ]

    /// Opens the body of a trigger kind, knowing that `for` and `clear_for` written there belong a level up.
    private func openKind(_ node: YAMLNode, _ kind: String, _ context: String) -> MappingReader? {
        guard var reader = MappingReader.open(node, context, sink) else { return nil }
        for key in Self.triggerCommonKeys where key != "id" { reader.misplaced[key] = "to the trigger itself, beside '\(kind)'" }
        return reader
    }

    func readTrigger(_ node: YAMLNode) -> Trigger? {
        guard let reader = MappingReader.open(node, "a trigger", sink) else { return nil }
        let id = readID(reader, "trigger")
        let context = id.map { "trigger '\($0.value)'" } ?? "a trigger"
        let kinds = reader.entries.filter { TriggerKind.names.contains($0.key.value) }
        var scoped = MappingReader(node: node, entries: reader.entries, context: context, sink: sink)
        if let kind = kinds.first?.key.value {
            for key in Self.triggerKindKeys[kind] ?? [] { scoped.misplaced[key] = "under '\(kind)'" }
        }
        scoped.checkKeys(Self.triggerCommonKeys + TriggerKind.names, required: ["id"])
        guard let kindEntry = kinds.first else {
            if !scoped.misspellings(Self.triggerCommonKeys + TriggerKind.names).isDisjoint(with: TriggerKind.names) { return nil }
            sink.error("\(context) needs one kind: \(TriggerKind.names.map { "'\($0)'" }.joined(separator: ", "))", at: node.location)
            return nil
        }
        for extra in kinds.dropFirst() {
            sink.error("\(context) has two kinds, '\(kindEntry.key.value)' and '\(extra.key.value)'; a trigger has exactly one", at: extra.key.location)
        }
        let kindContext = "'\(kindEntry.key.value)' of \(context)"
        let kind: TriggerKind?
        switch kindEntry.key.value {
        case "platform_down": kind = readPlatformDown(kindEntry.value, kindContext).map(TriggerKind.platformDown)
        case "traffic_drop": kind = readTrafficDrop(kindEntry.value, kindContext).map(TriggerKind.trafficDrop)
        case "webhook": kind = readWebhookTrigger(kindEntry.value, kindContext).map(TriggerKind.webhook)
        default:
            if let body = openKind(kindEntry.value, "manual", kindContext) {
                for entry in body.entries {
                    let place = body.misplaced[entry.key.value].map { " ('\(entry.key.value)' belongs \($0))" } ?? ""
                    sink.error("'manual' takes no keys, found '\(entry.key.value)'\(place); write 'manual: {}'", at: entry.key.location)
                }
            }
            kind = .manual
        }
        guard let id, let kind else { return nil }
        var trigger = Trigger(id: id, kind: kind)
        if let seconds = scoped.duration("for") { trigger.holdFor = seconds }
        if let seconds = scoped.duration("clear_for") { trigger.clearFor = seconds }
        return trigger
    }

    private func readPlatformDown(_ node: YAMLNode, _ context: String) -> PlatformDownTrigger? {
        guard let reader = openKind(node, "platform_down", context) else { return nil }
        reader.checkKeys(Self.triggerKindKeys["platform_down"]!, required: ["platforms"])
        var trigger = PlatformDownTrigger()
        trigger.platforms = reader.textList("platforms") ?? []
        if let checks = reader.value("checks") {
            if let items = checks.items, !items.isEmpty {
                trigger.checks = items.compactMap { readCheck($0, context) }
            } else {
                sink.error("'checks' in \(context) must be a non-empty list of checks (http, dns or statuspage)", at: checks.location)
            }
        }
        if let mode = reader.choice("down_when", PlatformDownTrigger.DownWhen.allCases.map(\.rawValue)) {
            trigger.downWhen = PlatformDownTrigger.DownWhen(rawValue: mode.value) ?? .majority
        }
        if let every = reader.duration("every") { trigger.every = positive(every, reader, "every") }
        if let timeout = reader.duration("timeout") { trigger.timeout = positive(timeout, reader, "timeout") }
        return trigger
    }

    private func positive(_ seconds: Double, _ reader: MappingReader, _ key: String) -> Double {
        if seconds <= 0, let node = reader.value(key) {
            sink.error("'\(key)' in \(reader.context) must be longer than 0s", at: node.location)
        }
        return seconds
    }

    private func readCheck(_ node: YAMLNode, _ context: String) -> ProbeCheck? {
        let checkContext = "a check of \(context)"
        guard let reader = MappingReader.open(node, checkContext, sink) else { return nil }
        let kinds = reader.entries.filter { ["http", "dns", "statuspage"].contains($0.key.value) }
        guard let kind = kinds.first else {
            let keys = ["http", "dns", "statuspage", "expect", "component", "server"]
            reader.checkKeys(keys)
            if !reader.misspellings(keys).isDisjoint(with: ["http", "dns", "statuspage"]) { return nil }
            sink.error("\(checkContext) needs one of 'http', 'dns' or 'statuspage'", at: node.location)
            return nil
        }
        for extra in kinds.dropFirst() {
            sink.error("\(checkContext) has both '\(kind.key.value)' and '\(extra.key.value)'; write them as two checks", at: extra.key.location)
        }
        switch kind.key.value {
        case "http":
            reader.checkKeys(["http", "expect"])
            guard let url = reader.text("http") else { return nil }
            if !Units.isHTTPURL(url.value) { sink.error("'http' in \(checkContext) must be an http(s) URL, found '\(url.value)'", at: url.location) }
            var expect = 200...399
            if let range = reader.value("expect") {
                if let parsed = Self.statusRange(range.scalarText ?? "") { expect = parsed } else {
                    sink.error("'expect' in \(checkContext) must be a status or a range such as '200-399', found \(range.kindDescription)", at: range.location)
                }
            }
            return .http(url: url.value, expect: expect)
        case "dns":
            reader.checkKeys(["dns", "server"])
            guard let name = reader.text("dns") else { return nil }
            return .dns(name: name.value, server: reader.text("server")?.value)
        default:
            reader.checkKeys(["statuspage", "component"])
            guard let url = reader.text("statuspage") else { return nil }
            if !Units.isHTTPURL(url.value) { sink.error("'statuspage' in \(checkContext) must be an http(s) URL, found '\(url.value)'", at: url.location) }
            return .statuspage(url: url.value, component: reader.text("component")?.value)
        }
    }

    static func statusRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-").map { Int($0.trimmingBlanks()) }
        if parts.count == 1, let single = parts[0], (100...599).contains(single) { return single...single }
        guard parts.count == 2, let low = parts[0], let high = parts[1], 100 <= low, low <= high, high <= 599 else { return nil }
        return low...high
    }

    private func readTrafficDrop(_ node: YAMLNode, _ context: String) -> TrafficDropTrigger? {
        guard let reader = openKind(node, "traffic_drop", context) else { return nil }
        reader.checkKeys(Self.triggerKindKeys["traffic_drop"]!, required: ["source", "drop", "baseline"])
        let source = reader.text("source")
        let drop = reader.value("drop").flatMap { Units.percentage($0, "'drop' in \(context)", sink) }
        var baseline: TrafficDropTrigger.Baseline?
        if let node = reader.value("baseline") {
            if let fixedReader = node.entries.map({ _ in MappingReader(node: node, entries: node.entries!, context: "'baseline' of \(context)", sink: sink) }) {
                fixedReader.checkKeys(["fixed"], required: ["fixed"])
                if let fixed = fixedReader.value("fixed") {
                    if fixed.isPlainScalar, let n = fixed.scalarText.flatMap(YAMLScalar.number), n > 0, n.isFinite { baseline = .fixed(n) } else {
                        let found = fixed.isPlainScalar && fixed.scalarText.flatMap(YAMLScalar.number) != nil ? fixed.scalarText! : fixed.kindDescription
                        sink.error("'fixed' in the baseline of \(context) must be a positive number, found \(found)", at: fixed.location)
                    }
                }
            } else if let text = node.scalarText, !node.isNull, let seconds = Duration.parseSeconds(text.trimmingCharacters(in: .whitespaces)) {
                if seconds <= 0 { sink.error("'baseline' in \(context) must be longer than 0s", at: node.location) }
                if let bounded = Units.withinBound(seconds, node, "'baseline' in \(context)", text, sink) { baseline = .ago(bounded) }
            } else if node.isPlainScalar, let n = node.scalarText.flatMap(YAMLScalar.number) {
                let shown = Value.number(n).displayText
                sink.error("'baseline' in \(context) is a bare number '\(shown)': write a duration such as '\(shown)d' (the same time that long ago), or 'fixed: \(shown)' for a fixed value", at: node.location)
            } else {
                sink.error("'baseline' in \(context) must be a duration such as '7d' (the same time that long ago) or 'fixed: NUMBER', found \(node.kindDescription)", at: node.location)
            }
        }
        var trigger = TrafficDropTrigger(source: source ?? Located("", at: node.location), drop: drop ?? 0, baseline: baseline ?? .fixed(0))
        if let every = reader.duration("every") { trigger.every = positive(every, reader, "every") }
        guard source != nil, drop != nil, baseline != nil else { return nil }
        return trigger
    }

    private func readWebhookTrigger(_ node: YAMLNode, _ context: String) -> WebhookTrigger? {
        guard let reader = openKind(node, "webhook", context) else { return nil }
        reader.checkKeys(Self.triggerKindKeys["webhook"]!, required: ["path"])
        guard let path = reader.text("path") else { return nil }
        if !path.value.hasPrefix("/") || path.value.contains(" ") {
            sink.error("'path' in \(context) must be a URL path starting with '/', found '\(path.value)'", at: path.location)
        }
        let secret = reader.config("secret")
        if let secret, secret.raw.isEmpty {
            // HMAC takes an empty key: anyone could sign with it.
            sink.error(
                "'secret' in \(context) is empty: anyone could sign with an empty key; give one (e.g. \"${env.HOOK_SECRET}\"), or remove 'secret' to take unsigned requests",
                at: secret.location)
        }
        return WebhookTrigger(path: path.value, secret: secret)
    }

    // MARK: - Sources

    func readSource(_ id: Located<String>, _ node: YAMLNode) -> DataSource? {
        let context = "source '\(id.value)'"
        guard let reader = MappingReader.open(node, context, sink) else { return nil }
        guard let type = reader.choice("type", DataSource.typeNames) else {
            if !reader.has("type") { sink.error("missing required key 'type' in \(context) (one of \(DataSource.typeNames.joined(separator: ", ")))", at: node.location) }
            return nil
        }
        let typed = MappingReader(node: node, entries: reader.entries, context: "\(type.value) \(context)", sink: sink)
        func url() -> ConfigValue? {
            guard let value = typed.config("url") else { return nil }
            if !value.isSecret, !Units.isHTTPURL(value.raw) { sink.error("'url' in \(typed.context) must be an http(s) URL, found '\(value.raw)'", at: value.location) }
            return value
        }
        switch type.value {
        case "prometheus":
            typed.checkKeys(["type", "url", "query"], required: ["url", "query"])
            guard let u = url(), let query = typed.text("query") else { return nil }
            return DataSource(id: id, kind: .prometheus(url: u, query: query.value))
        case "plausible":
            typed.checkKeys(["type", "url", "site_id", "api_key"], required: ["url", "site_id", "api_key"])
            guard let u = url(), let site = typed.text("site_id"), let key = typed.config("api_key") else { return nil }
            return DataSource(id: id, kind: .plausible(url: u, siteID: site.value, apiKey: key))
        case "json":
            typed.checkKeys(["type", "url", "field"], required: ["url", "field"])
            guard let u = url(), let field = typed.text("field") else { return nil }
            if field.value.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                sink.error("'field' in \(typed.context) must be a dot path such as 'data.visitors', found '\(field.value)'", at: field.location)
            }
            return DataSource(id: id, kind: .json(url: u, field: field.value))
        default:
            typed.checkKeys(["type", "path"], required: ["path"])
            guard let path = typed.text("path") else { return nil }
            return DataSource(id: id, kind: .csv(path: path.value), pathLocation: path.location)
        }
    }
}
