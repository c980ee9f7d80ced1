extension PlaybookReader {
    static let stepCommonKeys = ["id", "at", "after", "delay", "if", "timeout", "retry", "continue_on_error"]

    /// The keys each action takes.
    static let actionKeys: [String: [String]] = [
        "notify": ["segment", "via", "template", "message", "mode"],
        "post": ["to", "text", "template", "link", "mode"],
        "pause_ads": ["channel", "campaigns"], "resume_ads": ["channel", "campaigns"],
        "reschedule_posts": ["channel", "networks", "window", "shift"], "restore_posts": ["channel"],
        "webhook": ["channel", "url", "method", "body"], "wait": ["for"], "log": ["message"],
        "approve": PlaybookReader.approveKeys,
    ]

    func readStep(_ node: YAMLNode, recovery: Bool) -> Step? {
        let section = recovery ? "recovery step" : "step"
        guard let reader = MappingReader.open(node, "a \(section)", sink) else { return nil }
        let id = readID(reader, section)
        let context = id.map { "\(section) '\($0.value)'" } ?? "a \(section)"
        var scoped = MappingReader(node: node, entries: reader.entries, context: context, sink: sink)
        let actions = reader.entries.filter { Action.names.contains($0.key.value) }
        scoped.misplaced = ["attempts": "under 'retry'", "backoff": "under 'retry'"]
        if let name = actions.first?.key.value {
            for key in Self.actionKeys[name] ?? [] { scoped.misplaced[key] = "under '\(name)'" }
        }
        scoped.checkKeys(Self.stepCommonKeys + Action.names, required: ["id"])
        guard let actionEntry = actions.first else {
            if !scoped.misspellings(Self.stepCommonKeys + Action.names).isDisjoint(with: Action.names) { return nil }
            sink.error("\(context) has no action; add one of \(Action.names.map { "'\($0)'" }.joined(separator: ", "))", at: node.location)
            return nil
        }
        for extra in actions.dropFirst() {
            sink.error("\(context) has two actions, '\(actionEntry.key.value)' and '\(extra.key.value)'; split them into two steps", at: extra.key.location)
        }
        let action = readAction(actionEntry, "'\(actionEntry.key.value)' of \(context)")

        var step = Step(id: id ?? Located("", at: node.location), action: action ?? .log(Located("", at: node.location)), actionLocation: actionEntry.key.location)
        step.isRecovery = recovery
        if actionEntry.key.value == "webhook" { step.webhookBody = actionEntry.value.entries?.first { $0.key.value == "body" }?.value }
        if let at = scoped.value("at"), let seconds = Units.duration(at, "'at' in \(context)", sink, allowPlus: true) {
            if seconds < 0 { sink.error("'at' in \(context) cannot be negative", at: at.location) }
            step.at = seconds
        }
        if let after = scoped.value("after") {
            if let single = after.scalarText, !after.isNull {
                step.after = [Located(single, at: after.location)]
            } else {
                step.after = scoped.textList("after") ?? []
            }
        }
        if let delay = scoped.duration("delay") { step.delay = delay }
        if let condition = scoped.value("if") { step.condition = readCondition(condition, "the 'if' of \(context)") }
        if let timeout = scoped.value("timeout"), let seconds = Units.duration(timeout, "'timeout' in \(context)", sink) {
            if seconds <= 0 { sink.error("'timeout' in \(context) must be longer than 0s", at: timeout.location) }
            step.timeout = seconds
        }
        if actionEntry.key.value == "approve", let timeout = scoped.entry("timeout") {
            sink.warning(
                "'timeout' of \(context) bounds each call that sends the request; the time people have to decide is 'timeout' under 'approve' (default 30m)",
                at: timeout.key.location)
        }
        if let retryNode = scoped.value("retry"), let retry = MappingReader.open(retryNode, "'retry' of \(context)", sink) {
            retry.checkKeys(["attempts", "backoff"])
            if let attempts = retry.integer("attempts", in: 1...100) { step.retry.attempts = attempts.value }
            if let backoff = retry.duration("backoff") { step.retry.backoff = backoff }
        }
        if let flag = scoped.bool("continue_on_error") { step.continueOnError = flag }
        guard id != nil, action != nil else { return nil }
        return step
    }

    private func readAction(_ entry: YAMLEntry, _ context: String) -> Action? {
        guard var reader = MappingReader.open(entry.value, context, sink) else { return nil }
        for key in Self.stepCommonKeys where key != "id" { reader.misplaced[key] = "to the step itself, beside '\(entry.key.value)'" }
        switch entry.key.value {
        case "wait":
            reader.checkKeys(Self.actionKeys["wait"]!, required: ["for"])
            return reader.duration("for").map(Action.wait)
        case "log":
            reader.checkKeys(Self.actionKeys["log"]!, required: ["message"])
            return reader.text("message").map(Action.log)
        case "approve":
            // `timeout` is the approval's own here (how long people have to decide).
            reader.misplaced["timeout"] = nil
            return readApproval(reader, context).map(Action.approve)
        default:
            return readChannelAction(entry.key.value, reader, context)
        }
    }

    private func channelRef(_ reader: MappingReader) -> Located<String>? {
        reader.text("channel")
    }

    private func readChannelAction(_ name: String, _ reader: MappingReader, _ context: String) -> Action? {
        switch name {
        case "notify":
            reader.checkKeys(Self.actionKeys[name]!, required: ["segment", "via"])
            guard let segment = reader.text("segment"), let via = reader.textList("via"), let content = readContent(reader, context, inlineKey: "message") else { return nil }
            let mode = reader.choice("mode", ["first", "all"]).flatMap { DeliveryMode(rawValue: $0.value) } ?? .first
            return .notify(segment: segment, via: via, content: content, mode: mode)
        case "post":
            reader.checkKeys(Self.actionKeys[name]!, required: ["to"])
            guard let to = reader.textList("to"), let content = readContent(reader, context, inlineKey: "text") else { return nil }
            let link = reader.text("link")
            if let link, !link.value.containsBytes("{{"), !Units.isHTTPURL(link.value) {
                sink.error("'link' in \(context) must be an http(s) URL, found '\(link.value)'", at: link.location)
            }
            let mode = reader.choice("mode", ["all", "first"]).flatMap { DeliveryMode(rawValue: $0.value) } ?? .all
            return .post(to: to, content: content, link: link, mode: mode)
        case "pause_ads":
            reader.checkKeys(Self.actionKeys[name]!, required: ["channel"])
            guard let channel = channelRef(reader) else { return nil }
            let campaigns = reader.value("campaigns").flatMap { readCampaigns($0, context) } ?? .all
            return .pauseAds(channel: channel, campaigns: campaigns)
        case "resume_ads":
            reader.checkKeys(Self.actionKeys[name]!, required: ["channel"])
            guard let channel = channelRef(reader) else { return nil }
            return .resumeAds(channel: channel, campaigns: reader.value("campaigns").flatMap { readCampaigns($0, context) })
        case "reschedule_posts":
            reader.checkKeys(Self.actionKeys[name]!, required: ["channel", "networks", "window", "shift"])
            guard let channel = channelRef(reader), let networks = reader.textList("networks"),
                let window = reader.duration("window"), let shift = reader.duration("shift")
            else { return nil }
            for (key, seconds) in [("window", window), ("shift", shift)] where seconds <= 0 {
                sink.error("'\(key)' in \(context) must be longer than 0s", at: reader.value(key)!.location)
            }
            return .reschedulePosts(channel: channel, networks: networks, window: window, shift: shift)
        case "restore_posts":
            reader.checkKeys(Self.actionKeys[name]!, required: ["channel"])
            return channelRef(reader).map { .restorePosts(channel: $0) }
        default:  // webhook
            reader.checkKeys(Self.actionKeys[name]!)
            let channel = reader.text("channel")
            let url = reader.config("url")
            if channel == nil, url == nil, !reader.has("channel"), !reader.has("url") {
                sink.error("\(context) needs 'channel' (a webhook channel) or 'url'", at: reader.node.location)
                return nil
            }
            if channel != nil, let url {
                sink.error("\(context) takes 'channel' or 'url', not both", at: url.location)
            }
            if let url, !url.isSecret, !Units.isHTTPURL(url.raw) {
                sink.error("'url' in \(context) must be an http(s) URL, found '\(url.raw)'", at: url.location)
            }
            let method = reader.choice("method", ["POST", "PUT", "PATCH", "DELETE", "GET"])?.value ?? "POST"
            return .webhook(channel: channel, url: url, method: method, body: reader.value("body")?.jsonValue)
        }
    }

    /// `template: ID` or the inline key (`message: {subject, text}` for notify, `text:` for post).
    func readContent(_ reader: MappingReader, _ context: String, inlineKey: String) -> MessageContent? {
        let template = reader.text("template")
        let inline = reader.value(inlineKey)
        if let template, inline != nil {
            sink.error("\(context) takes 'template' or '\(inlineKey)', not both", at: template.location)
            return nil
        }
        if let template { return .template(template) }
        guard let inline else {
            if !reader.has("template") { sink.error("\(context) needs 'template' or '\(inlineKey)'", at: reader.node.location) }
            return nil
        }
        if inlineKey == "text" {
            return reader.text("text").map { .inline(subject: nil, text: $0) }
        }
        guard let message = MappingReader.open(inline, "'message' of \(context)", sink) else { return nil }
        message.checkKeys(["subject", "text"], required: ["text"])
        guard let text = message.text("text") else { return nil }
        return .inline(subject: message.text("subject"), text: text)
    }

    private func readCampaigns(_ node: YAMLNode, _ context: String) -> CampaignSelector? {
        if let text = node.scalarText, !node.isNull {
            if text == "all" { return .all }
            sink.error("'campaigns' in \(context) must be 'all', a list of campaign ids, or {name_matches: REGEX}, found '\(text)'", at: node.location)
            return nil
        }
        if let items = node.items {
            let ids = items.compactMap(\.scalarText)
            if ids.isEmpty || ids.count != items.count {
                sink.error("'campaigns' in \(context) must be a non-empty list of campaign ids", at: node.location)
                return nil
            }
            return .ids(ids)
        }
        guard let reader = MappingReader.open(node, "'campaigns' of \(context)", sink) else { return nil }
        reader.checkKeys(["name_matches"], required: ["name_matches"])
        guard let pattern = reader.text("name_matches") else { return nil }
        do {
            _ = try Regex(pattern.value)
        } catch {
            sink.error("'name_matches' in \(context) is not a valid regular expression: \(error)", at: pattern.location)
            return nil
        }
        return .nameMatches(pattern.value)
    }
}
