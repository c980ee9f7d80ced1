/// Channels (docs/channels.md), generated from `ChannelType`'s field table so that the schema and the reader
/// cannot drift: one `$defs` entry per type, chosen by its `type` constant.
extension PlaybookSchema {
    static func channelDefinitionName(_ type: ChannelType) -> String { "channel-\(type.rawValue)" }

    static var channelDefinitions: Members {
        let typeNames = ChannelType.allCases.map(\.rawValue)
        let channel = JSONValue.object([
            ("description", .string("A channel: a `type` and that type's fields. Every channel also takes concurrency and rate; HTTP channels take base_url.")),
            ("type", .string("object")),
            ("required", strings(["type"])),
            ("properties", .object([("type", choice("The channel type; it decides the other fields.", typeNames))])),
            ("oneOf", .array(ChannelType.allCases.map { ref(channelDefinitionName($0)) })),
        ])
        return [("channel", channel)] + ChannelType.allCases.map { (channelDefinitionName($0), channelSchema($0)) }
    }

    static func channelSchema(_ type: ChannelType) -> JSONValue {
        var properties: Members = []
        for name in ChannelType.commonFields where name != "base_url" || type.isHTTP {
            properties.append((name, commonFieldSchema(name, type)))
        }
        for field in type.fields where !properties.contains(where: { $0.0 == field.name }) {
            properties.append((field.name, fieldSchema(field)))
        }
        var schema = mapping(
            "\(type.rawValue) channel (\(type.displayName)), used by \(type.actions.sorted().joined(separator: ", ")).",
            properties,
            required: ["type"] + type.fields.filter(\.required).map(\.name)
        )
        schema = schema.titled("\(type.rawValue) channel")
        for (key, value) in channelRules(type) { schema = schema.setting(key, value) }
        return schema
    }

    private static func commonFieldSchema(_ name: String, _ type: ChannelType) -> JSONValue {
        switch name {
        case "type":
            return .object([("description", .string("The channel type.")), ("const", .string(type.rawValue))])
        case "concurrency":
            return .object([
                ("description", .string("Calls in flight at once, 1 to 64; default 16.")), ("type", .string("integer")),
                ("minimum", .number(Double(Channel.concurrencyRange.lowerBound))), ("maximum", .number(Double(Channel.concurrencyRange.upperBound))),
                ("default", .number(16)),
            ])
        case "rate":
            return ref("rate", "At most N calls in any sliding second or minute (N/s or N/m), paced evenly with no burst at start.")
        case "base_url":
            return ref("url", "Replaces the API's scheme, host and port (self-hosted instances, proxies, tests).")
        default:
            return .object([("description", .string("Common channel field '\(name)'."))])
        }
    }

    private static func fieldSchema(_ field: ChannelType.Field) -> JSONValue {
        let help = field.help.prefix(1).uppercased() + field.help.dropFirst() + "."
        switch field.kind {
        case .text:
            return ref("config-text", help)
        case .url:
            return ref("url", help)
        case .integer:
            return .object([("description", .string(help)), ("type", .string("integer")), ("minimum", .number(1)), ("maximum", .number(65_535))])
        case .choice(let options):
            return choice(help, options)
        case .headers:
            return .object([
                ("description", .string(help)), ("type", .string("object")),
                ("additionalProperties", ref("config-text")),
            ])
        }
    }

    /// The rules the field table cannot say (the reader's `checkTypeSpecificFields`), where a
    /// schema can say them. Formats are checked only on values that do not name `${env.X}`.
    private static func channelRules(_ type: ChannelType) -> Members {
        func format(_ field: String, _ pattern: String, _ message: String) -> JSONValue {
            .object([
                (
                    "properties",
                    .object([
                        (
                            field,
                            .object([
                                ("pattern", .string("^(?:\(pattern)|.*\\$\\{env\\.[A-Za-z_][A-Za-z0-9_]*\\}.*)$")), ("patternErrorMessage", .string(message)),
                            ])
                        )
                    ])
                )
            ])
        }
        switch type {
        case .twilio:
            return [
                ("oneOf", exactlyOne(of: ["from", "messaging_service_sid"])),
                ("allOf", .array([format("from", #"\+[1-9][0-9]{6,14}"#, "write a phone number in E.164 form, such as +390000000000")])),
            ]
        case .smtp:
            return [
                // Both or neither (said without dependentRequired, which draft-07 editors ignore).
                (
                    "anyOf",
                    .array([
                        .object([("required", strings(["username", "password"]))]),
                        .object([("not", .object([("anyOf", exactlyOne(of: ["username", "password"]))]))]),
                    ])
                ),
                ("allOf", .array([format("from", ".*@.*", "write an email address, such as \"Shop <hello@shop.example>\"")])),
            ]
        case .metaAds:
            return [("allOf", .array([format("ad_account", "act_[0-9]+", "write the ad account as act_ followed by digits")]))]
        case .googleAds:
            return [
                (
                    "allOf",
                    .array(["customer_id", "login_customer_id"].map { format($0, "[0-9-]*", "write digits, such as 123-456-7890") })
                )
            ]
        case .webhook, .slack, .discord, .telegram, .mastodon, .bluesky, .x, .calendar, .file:
            return []
        }
    }
}
