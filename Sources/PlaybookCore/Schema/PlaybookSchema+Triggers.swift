/// Triggers and their sources (docs/language.md, Triggers): each trigger has exactly one kind key.
extension PlaybookSchema {
    static var triggerDefinitions: Members {
        var properties: Members = [
            ("id", ref("slug", "The trigger's id, unique among triggers; `playbook run --trigger ID` names it.")),
            ("for", ref("duration", "How long the condition must hold before the trigger fires; default 0s.").setting("default", .string("0s"))),
            (
                "clear_for",
                ref("duration", "How long every fired trigger must be clear before the incident resolves; default 5m.").setting("default", .string("5m"))
            ),
        ]
        properties = PlaybookReader.triggerCommonKeys.compactMap { key in properties.first { $0.0 == key } }
        for kind in TriggerKind.names {
            properties.append((kind, triggerKindSchema(kind)))
        }
        let trigger = mapping(
            "A trigger: an id, exactly one kind (\(TriggerKind.names.joined(separator: ", "))), and optional for and clear_for.",
            properties,
            required: ["id"]
        ).setting("oneOf", exactlyOne(of: TriggerKind.names))
        return [
            ("trigger", trigger),
            ("check", checkSchema),
            ("source", sourceSchema),
        ] + DataSource.typeNames.map { ("source-\($0)", sourceTypeSchema($0)) }
    }

    private static func triggerKindSchema(_ kind: String) -> JSONValue {
        switch kind {
        case "platform_down":
            let platform = JSONValue.object([
                ("description", .string("A platform id from the built-in catalog; any name when the trigger gives its own checks.")),
                ("type", .string("string")),
                ("examples", strings(PlatformCatalog.ids)),
            ])
            return mapping(
                "Fires while at least one of its platforms is down. Exposes trigger.platforms and trigger.platform_names.",
                [
                    ("platforms", list("Platforms to watch: \(PlatformCatalog.ids.joined(separator: ", ")); others need `checks`.", of: platform)),
                    ("checks", list("Checks replacing the catalog's defaults for these platforms: each one of http, dns or statuspage.", of: ref("check"))),
                    (
                        "down_when",
                        choice(
                            "How many of a platform's checks must fail for it to be down; default majority.",
                            PlatformDownTrigger.DownWhen.allCases.map(\.rawValue), default: "majority")
                    ),
                    ("every", ref("positive-duration", "Probe interval; default 30s.").setting("default", .string("30s"))),
                    ("timeout", ref("positive-duration", "Timeout of each check; default 10s.").setting("default", .string("10s"))),
                ],
                required: ["platforms"]
            ).setting(
                "if", .object([("not", .object([("required", strings(["checks"]))]))])
            ).setting(
                "then", .object([("properties", .object([("platforms", .object([("items", .object([("enum", strings(PlatformCatalog.ids))]))]))]))])
            )
        case "traffic_drop":
            let baseline = JSONValue.object([
                ("description", .string("The baseline: a duration meaning \"the same time, that long ago\" (7d), or {fixed: NUMBER}.")),
                (
                    "oneOf",
                    .array([
                        ref("positive-duration"),
                        mapping(
                            "A fixed baseline value.",
                            [
                                (
                                    "fixed",
                                    .object([
                                        ("description", .string("The baseline value, greater than 0.")), ("type", .string("number")),
                                        ("exclusiveMinimum", .number(0)),
                                    ])
                                )
                            ],
                            required: ["fixed"]
                        ),
                    ])
                ),
            ])
            return mapping(
                "Fires when a source's value drops by `drop` below its baseline. Exposes trigger.value, trigger.baseline, trigger.drop.",
                [
                    ("source", ref("slug", "A source id from `sources`.")),
                    ("drop", ref("percentage", "How far below the baseline the value must fall, e.g. 40% fires at 60% of the baseline or less.")),
                    ("baseline", baseline),
                    ("every", ref("positive-duration", "How often to read the source; default 1m.").setting("default", .string("1m"))),
                ],
                required: ["source", "drop", "baseline"]
            )
        case "manual":
            return mapping("Fires only from `playbook run`. Write `manual: {}`.", [], nullable: true)
        case "webhook":
            return mapping(
                "Fires on a request to `playbook watch`'s HTTP listener; the JSON body is trigger.payload.",
                [
                    (
                        "path",
                        .object([
                            ("description", .string("The URL path to listen on, starting with '/'.")), ("type", .string("string")),
                            ("pattern", .string("^/[^ ]*$")), ("patternErrorMessage", .string("write a URL path starting with '/', without spaces")),
                        ])
                    ),
                    ("secret", ref("config-text", "HMAC-SHA256 key: requests must carry X-Playbook-Signature: sha256=HEX of the body.")),
                ],
                required: ["path"]
            )
        default:
            return .object([])
        }
    }

    private static var checkSchema: JSONValue {
        let status = JSONValue.object([
            ("description", .string("Healthy HTTP statuses: one status or a range; default 200-399.")),
            ("type", types("string", "integer")),
            ("pattern", .string("^[ \\t]*[1-5][0-9]{2}[ \\t]*(?:-[ \\t]*[1-5][0-9]{2}[ \\t]*)?$")),
            ("minimum", .number(100)), ("maximum", .number(599)),
            ("default", .string("200-399")),
        ])
        let text = ref("text")
        return .object([
            (
                "description",
                .string("A probe: `http: URL` (with optional expect), `dns: NAME` (with optional server) or `statuspage: URL` (with optional component).")
            ),
            (
                "oneOf",
                .array([
                    mapping("An HTTP probe.", [("http", ref("url", "URL to fetch.")), ("expect", status)], required: ["http"]),
                    mapping("A DNS lookup.", [("dns", ref("text", "Name to resolve.")), ("server", ref("text", "DNS server to ask."))], required: ["dns"]),
                    mapping(
                        "A Statuspage (statuspage.io) status.",
                        [
                            ("statuspage", ref("url", "Status API URL, e.g. https://status.example.com/api/v2/status.json.")),
                            ("component", text.setting("description", .string("Component name to watch."))),
                        ],
                        required: ["statuspage"]
                    ),
                ])
            ),
        ])
    }

    private static var sourceSchema: JSONValue {
        .object([
            ("description", .string("A source of observations for traffic_drop: a `type` and that type's fields.")),
            ("type", .string("object")),
            ("required", strings(["type"])),
            ("properties", .object([("type", choice("The source type.", DataSource.typeNames))])),
            ("oneOf", .array(DataSource.typeNames.map { ref("source-\($0)") })),
        ])
    }

    private static func sourceTypeSchema(_ type: String) -> JSONValue {
        let typeField = JSONValue.object([("description", .string("The source type.")), ("const", .string(type))])
        let schema: JSONValue
        switch type {
        case "prometheus":
            schema = mapping(
                "Prometheus instant query.",
                [("type", typeField), ("url", ref("url", "Prometheus base URL.")), ("query", ref("text", "PromQL query returning one number."))],
                required: ["type", "url", "query"]
            )
        case "plausible":
            schema = mapping(
                "Plausible realtime visitors.",
                [
                    ("type", typeField), ("url", ref("url", "Plausible base URL.")), ("site_id", ref("text", "Site id (domain).")),
                    ("api_key", ref("config-text", "API key, usually ${env.PLAUSIBLE_KEY}.")),
                ],
                required: ["type", "url", "site_id", "api_key"]
            )
        case "json":
            schema = mapping(
                "A number read from a JSON response.",
                [
                    ("type", typeField), ("url", ref("url", "URL returning JSON.")),
                    (
                        "field",
                        .object([
                            ("description", .string("Dot path into the response, e.g. data.visitors.")), ("type", .string("string")),
                            ("pattern", .string("^[^.]+(?:\\.[^.]+)*$")), ("patternErrorMessage", .string("write a dot path such as data.visitors")),
                        ])
                    ),
                ],
                required: ["type", "url", "field"]
            )
        case "csv":
            schema = mapping(
                "A CSV file with columns time,value (tests and replays).",
                [("type", typeField), ("path", ref("text", "CSV file, relative to the playbook."))],
                required: ["type", "path"]
            )
        default:
            schema = .object([("properties", .object([("type", typeField)]))])
        }
        return schema.titled("\(type) source")
    }
}
