extension PlaybookReader {
    func readChannel(_ id: Located<String>, _ node: YAMLNode) -> Channel? {
        let context = "channel '\(id.value)'"
        guard let reader = MappingReader.open(node, context, sink) else { return nil }
        let typeNames = ChannelType.allCases.map(\.rawValue)
        guard let typeText = reader.text("type") else {
            if !reader.has("type") { sink.error("missing required key 'type' in \(context) (one of \(typeNames.joined(separator: ", ")))", at: node.location) }
            return nil
        }
        guard let type = ChannelType(rawValue: typeText.value) else {
            let hint = Self.channelTypeAliases[typeText.value.lowercased()].map { "; did you mean '\($0)'?" } ?? Suggestion.hint(for: typeText.value, in: typeNames)
            sink.error("unknown channel type '\(typeText.value)' in \(context)\(hint.isEmpty ? "; types are \(typeNames.joined(separator: ", "))" : hint)", at: typeText.location)
            return nil
        }
        let typed = MappingReader(node: node, entries: reader.entries, context: "\(type.rawValue) \(context)", sink: sink)
        let fieldNames = type.fields.map(\.name)
        var allowed = ChannelType.commonFields + fieldNames
        if type == .webhook { allowed.append("headers") }
        typed.checkKeys(allowed, required: type.fields.filter(\.required).map(\.name))
        if !type.isHTTP, let base = typed.entry("base_url") {
            sink.error("'base_url' applies to channels that call an HTTP API; \(typed.context) has none to redirect", at: base.key.location)
        }

        var channel = Channel(id: id, type: type, fields: [:])
        for field in type.fields {
            switch field.kind {
            case .headers:
                guard let headers = typed.value(field.name) else { continue }
                guard let headerReader = MappingReader.open(headers, "'headers' of \(context)", sink) else { continue }
                for entry in headerReader.entries {
                    if let value = headerReader.config(entry.key.value) { channel.headers[entry.key.value] = value }
                }
            case .integer:
                if let n = typed.integer(field.name, in: 1...65_535) {
                    channel.fields[field.name] = ConfigValue(raw: String(n.value), location: n.location, environmentNames: [])
                }
            case .choice(let options):
                if let choice = typed.choice(field.name, options) {
                    channel.fields[field.name] = ConfigValue(raw: choice.value, location: choice.location, environmentNames: [])
                }
            case .url:
                guard let value = typed.config(field.name) else { continue }
                if !value.isSecret, !Units.isHTTPURL(value.raw) {
                    sink.error("'\(field.name)' in \(typed.context) must be an http(s) URL, found '\(value.raw)'", at: value.location)
                }
                channel.fields[field.name] = value
            case .text:
                if let value = typed.config(field.name) { channel.fields[field.name] = value }
            }
        }
        checkTypeSpecificFields(channel, typed, misspelt: typed.misspellings(allowed))
        if let concurrency = typed.integer("concurrency", in: Channel.concurrencyRange) { channel.concurrency = concurrency.value }
        if let rate = typed.text("rate") {
            if let parsed = Rate.parse(rate.value) { channel.rate = parsed } else {
                sink.error("'rate' in \(typed.context) must be 'N/s' or 'N/m' with N a positive whole number, found '\(rate.value)'", at: rate.location)
            }
        }
        if type.isHTTP, let base = typed.config("base_url") {
            if !base.isSecret, !Units.isHTTPURL(base.raw) {
                sink.error("'base_url' in \(typed.context) must be an http(s) URL, found '\(base.raw)'", at: base.location)
            }
            channel.baseURL = base
        }
        return channel
    }

    /// Rules a field table cannot say: one-of pairs and value formats.
    private func checkTypeSpecificFields(_ channel: Channel, _ reader: MappingReader, misspelt: Set<String>) {
        switch channel.type {
        case .twilio:
            let from = channel["from"], service = channel["messaging_service_sid"]
            if from == nil, service == nil, misspelt.isDisjoint(with: ["from", "messaging_service_sid"]) {
                sink.error("\(reader.context) needs 'from' (a number in E.164) or 'messaging_service_sid'", at: reader.node.location)
            } else if from != nil, service != nil {
                sink.error("\(reader.context) takes 'from' or 'messaging_service_sid', not both", at: service!.location)
            }
            if let from, !from.isSecret, !Self.isE164(from.raw) {
                sink.error("'from' in \(reader.context) must be a phone number in E.164 form such as '+390000000000', found '\(from.raw)'", at: from.location)
            }
        case .smtp:
            if (channel["username"] == nil) != (channel["password"] == nil), misspelt.isDisjoint(with: ["username", "password"]) {
                let given = channel["username"] ?? channel["password"]
                let missing = channel["username"] == nil ? "username" : "password"
                let present = missing == "password" ? "username" : "password"
                sink.error("\(reader.context) has '\(present)' but not '\(missing)'; AUTH needs both 'username' and 'password', or neither", at: given?.location ?? reader.node.location)
            }
            if let from = channel["from"], !from.isSecret, !from.raw.contains("@") {
                sink.error("'from' in \(reader.context) must be an email address, found '\(from.raw)'", at: from.location)
            }
        case .metaAds:
            if let account = channel["ad_account"], !account.isSecret, !(account.raw.hasPrefix("act_") && account.raw.dropFirst(4).allSatisfy(\.isNumber) && account.raw.count > 4) {
                sink.error("'ad_account' in \(reader.context) must look like 'act_1234567890', found '\(account.raw)'", at: account.location)
            }
        case .googleAds:
            for key in ["customer_id", "login_customer_id"] {
                if let id = channel[key], !id.isSecret, !id.raw.replacingOccurrences(of: "-", with: "").allSatisfy(\.isNumber) {
                    sink.error("'\(key)' in \(reader.context) must be digits such as '123-456-7890', found '\(id.raw)'", at: id.location)
                }
            }
        default:
            break
        }
    }

    /// Names people use for a channel type, from the service or the old name of the network.
    static let channelTypeAliases = [
        "twitter": "x", "email": "smtp", "mail": "smtp", "sms": "twilio", "facebook_ads": "meta_ads",
        "adwords": "google_ads", "http": "webhook", "bsky": "bluesky",
    ]

    static func isE164(_ text: String) -> Bool {
        text.hasPrefix("+") && (8...16).contains(text.count) && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber } && !text.hasPrefix("+0")
    }
}
