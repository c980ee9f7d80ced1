/// The JSON Schema of the language (draft 2020-12), for YAML language servers in editors.
///
/// Generated from the same tables the reader uses (`PlaybookReader`'s key lists, `ChannelType`,
/// `Action.names`, `TriggerKind.names`, `DataSource.typeNames`, `PlatformCatalog`), so that an
/// editor completes and checks exactly the structure `playbook validate` reads. References,
/// cycles, expressions and templates are left to `playbook validate` (see docs/editors.md).
public enum PlaybookSchema {
    public static let identifier = "urn:playbook:schema:v1"

    /// The schema as pretty-printed JSON, stable from run to run.
    public static let json: String = document.serialized(pretty: true)

    public static var document: JSONValue {
        var properties: Members = []
        for key in PlaybookReader.topLevelKeys {
            properties.append((key, topLevelSchema(key)))
        }
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string(identifier)),
            ("title", .string("playbook")),
            (
                "description",
                .string("A contingency playbook (language version 1): what to do when a platform your business depends on goes down, and how to undo it.")
            ),
            ("type", .string("object")),
            ("required", strings(["version", "playbook", "triggers", "steps"])),
            ("properties", .object(properties)),
            ("additionalProperties", .bool(false)),
            ("$defs", .object(scalarDefinitions + triggerDefinitions + channelDefinitions + contentDefinitions + stepDefinitions)),
        ])
    }

    private static func topLevelSchema(_ key: String) -> JSONValue {
        switch key {
        case "version":
            return .object([("description", .string("The language version; must be 1.")), ("const", .number(1))])
        case "playbook":
            return ref("slug", "The playbook's name, a slug such as meta-outage.")
        case "description":
            return .object([("description", .string("What the playbook is for, in a sentence.")), ("type", .string("string"))])
        case "timezone":
            return .object([
                ("description", .string("Any tz database (IANA) time zone name, for now.*, quiet hours and text rendering; default UTC.")),
                ("type", .string("string")), ("default", .string("UTC")), ("examples", strings(["Europe/Rome", "America/New_York", "Japan", "EST5EDT", "UTC"])),
            ])
        case "vars":
            return .object([
                ("description", .string("Values of your own: vars.NAME in expressions, {{ vars.NAME }} in templates.")), ("type", types("object", "null")),
            ])
        case "sources":
            return idMap("Where triggers get observations, by id: \(DataSource.typeNames.joined(separator: ", ")).", of: ref("source"))
        case "triggers":
            return list("When the playbook runs: at least one trigger, each with an id and exactly one kind.", of: ref("trigger"))
        case "channels":
            return idMap(
                "Where messages, posts and calls go, by id: each has a type (\(ChannelType.allCases.map(\.rawValue).joined(separator: ", "))) and its fields.",
                of: ref("channel"))
        case "audience":
            return ref("audience", "Who `notify` reaches: a contacts file and named segments.")
        case "templates":
            return idMap("Message templates by id (Mustache), with optional per-locale variants.", of: ref("template"))
        case "settings":
            return ref("settings", "Playbook-wide settings.")
        case "if":
            return ref("expression", "The playbook runs only when this expression holds, e.g. \"not (now.weekday == 'sun' and now.hour < 7)\".")
        case "steps":
            return list("What to do when a trigger fires: at least one step, each with an id and exactly one action.", of: ref("step"))
        case "recovery":
            return list("Steps run once every fired trigger has cleared; their offsets count from the resolution.", of: ref("step"), minItems: 0)
                .setting("type", types("array", "null"))
        default:
            return .object([])
        }
    }

    static var contentDefinitions: Members {
        let part: (String) -> JSONValue = { ref("text", $0) }
        let parts: Members = [
            ("subject", part("Subject line (email), a Mustache template.")),
            ("text", part("Plain-text body, a Mustache template.")),
            ("html", part("HTML body (email), a Mustache template.")),
        ]
        let orderedParts = PlaybookReader.templateParts.compactMap { key in parts.first { $0.0 == key } }
        let variant = mapping("The template's parts for one locale; parts not given fall back to the template's own.", orderedParts)
        let locales = JSONValue.object([
            ("description", .string("Variants by contact locale (it, pt-BR, ...).")),
            ("type", .string("object")),
            ("propertyNames", .object([("pattern", .string(localePattern))])),
            ("additionalProperties", variant),
        ])
        let template = mapping("A message template: text (or html), optional subject, optional locale variants.", orderedParts + [("locales", locales)])
            .setting("anyOf", .array([.object([("required", strings(["text"]))]), .object([("required", strings(["html"]))])]))
        let audience = mapping(
            "The contacts and their segments.",
            [
                (
                    "contacts",
                    .object([
                        (
                            "description",
                            .string(
                                "Contacts: a CSV file (id,name,email,phone,tags,consent_email,consent_sms,timezone,locale) or an SQLite database, relative to the playbook; or {path, format} for a Shopify, Mailchimp, Klaviyo or WooCommerce export; or {path, columns, consent_values} for any other export (docs/contacts.md)."
                            )
                        ),
                        (
                            "oneOf",
                            .array([
                                ref("text"),
                                mapping(
                                    "A tool's export.",
                                    [
                                        ("path", ref("text", "The export file, relative to the playbook.")),
                                        ("format", choice("Which tool's export it is.", ContactsFormat.allCases.map(\.rawValue), default: "playbook")),
                                    ], required: ["path"]),
                                mapping(
                                    "Any other export: which header holds each field, and the words that mean consent.",
                                    [
                                        ("path", ref("text", "The export file, relative to the playbook.")),
                                        ("columns", mapping("Contact field -> the export's header.", ContactsColumns.fields.map { ($0, ref("text")) })),
                                        (
                                            "consent_values",
                                            mapping(
                                                "Words meaning consent yes / no (any case); anything else is no consent, counted.",
                                                [("yes", list("Values meaning yes.", of: ref("text"))), ("no", list("Values meaning no.", of: ref("text")))], required: ["yes", "no"])
                                        ),
                                    ], required: ["path", "columns"]),
                            ])
                        ),
                    ])
                ),
                ("segments", idMap("Segments by id: an expression over contact.* (and vars.*), e.g. \"'vip' in contact.tags\".", of: ref("expression"))),
            ],
            nullable: true
        )
        let settings = mapping(
            "Settings.",
            [("quiet_hours", ref("time-window", "SMS waits until this window ends, in each contact's timezone: deferred, not dropped."))],
            nullable: true
        )
        return [("audience", audience), ("template", template), ("settings", settings)]
    }
}
