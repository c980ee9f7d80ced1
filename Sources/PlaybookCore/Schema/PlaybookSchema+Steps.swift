/// Steps (docs/language.md, Steps): the common keys and exactly one action key.
extension PlaybookSchema {
    static var stepDefinitions: Members {
        let common: Members = [
            ("id", ref("slug", "The step's id, unique among steps and recovery steps.")),
            (
                "at",
                ref("offset", "Earliest offset from the incident's start (from its resolution, for recovery); default 0s.").setting("default", .string("0s"))
            ),
            (
                "after",
                .object([
                    (
                        "description",
                        .string("Steps (of the same section) this one waits for, whatever their outcome; use `if` on steps.X.status to depend on success.")
                    ),
                    ("oneOf", .array([ref("slug"), list(nil, of: ref("slug"))])),
                ])
            ),
            ("delay", ref("duration", "Extra wait after the `after` steps end; default 0s.").setting("default", .string("0s"))),
            ("if", ref("expression", "Run only when this expression holds, e.g. \"steps.pause-ads.status == 'succeeded'\".")),
            ("timeout", ref("positive-duration", "Time limit per attempt; default 2m.").setting("default", .string("2m"))),
            (
                "retry",
                mapping(
                    "Retries of a failed attempt: backoff doubles each time, with jitter, capped at 5m; a 429 or 503 retry hint is honoured.",
                    [
                        (
                            "attempts",
                            .object([
                                ("description", .string("Attempts in all; default 3.")), ("type", .string("integer")), ("minimum", .number(1)),
                                ("maximum", .number(100)), ("default", .number(3)),
                            ])
                        ),
                        ("backoff", ref("duration", "Wait before the first retry; default 5s.").setting("default", .string("5s"))),
                    ]
                )
            ),
            (
                "continue_on_error",
                .object([
                    ("description", .string("Whether a failure of this step leaves the run successful; default false.")), ("type", .string("boolean")),
                    ("default", .bool(false)),
                ])
            ),
        ]
        var properties = PlaybookReader.stepCommonKeys.compactMap { key in common.first { $0.0 == key } }
        for name in Action.names {
            properties.append((name, ref("action-\(name)")))
        }
        let step = mapping(
            "A step: an id, exactly one action (\(Action.names.joined(separator: ", "))), and optional at, after, delay, if, timeout, retry, continue_on_error.",
            properties,
            required: ["id"]
        ).setting("oneOf", exactlyOne(of: Action.names))
        return [("step", step), ("campaigns", campaignsSchema)] + Action.names.map { ("action-\($0)", actionSchema($0)) }
    }

    private static func channelList(_ description: String) -> JSONValue {
        list(description, of: ref("slug"))
    }

    /// "smtp, twilio or file": the channel types that can serve an action.
    private static func typesServing(_ action: String) -> String {
        let names = ChannelType.allCases.filter { $0.actions.contains(action) }.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    private static func channelReference(serving action: String) -> JSONValue {
        ref("slug", "A channel id from `channels`, of type \(typesServing(action)).")
    }

    private static func actionSchema(_ name: String) -> JSONValue {
        switch name {
        case "notify":
            return mapping(
                "Sends a message to each contact of a segment through the first channel it can receive on (or all, with mode: all); never without consent.",
                [
                    ("segment", ref("slug", "A segment id from `audience.segments`.")),
                    ("via", channelList("Channel ids (\(typesServing("notify"))), in order of preference.")),
                    ("template", ref("slug", "A template id from `templates`.")),
                    (
                        "message",
                        mapping(
                            "An inline message (Mustache templates).",
                            [("subject", ref("text", "Subject (email).")), ("text", ref("text", "Body text."))],
                            required: ["text"]
                        )
                    ),
                    (
                        "mode",
                        choice(
                            "first: the first channel the contact can receive on; all: every one of them. Default first.", ["first", "all"], default: "first")
                    ),
                ],
                required: ["segment", "via"]
            ).setting("oneOf", exactlyOne(of: ["template", "message"]))
        case "post":
            return mapping(
                "Posts a text on social channels.",
                [
                    ("to", channelList("Channel ids to post on (\(typesServing("post"))).")),
                    ("text", ref("text", "The post (a Mustache template); a static text longer than a network allows is a validation error.")),
                    ("template", ref("slug", "A template id from `templates`.")),
                    ("link", ref("text", "A link to attach: an http(s) URL or a template.")),
                    ("mode", choice("all: post on each channel; first: stop at the first that succeeds. Default all.", ["all", "first"], default: "all")),
                ],
                required: ["to"]
            ).setting("oneOf", exactlyOne(of: ["template", "text"]))
        case "pause_ads":
            return mapping(
                "Pauses active ad campaigns; the journal records which, for resume_ads.",
                [
                    ("channel", channelReference(serving: "pause_ads")),
                    ("campaigns", ref("campaigns", "Which campaigns: all (default), a list of ids, or {name_matches: REGEX}.")),
                ],
                required: ["channel"]
            )
        case "resume_ads":
            return mapping(
                "Resumes exactly the campaigns this incident paused (or the given campaigns).",
                [
                    ("channel", channelReference(serving: "resume_ads")),
                    ("campaigns", ref("campaigns", "Which campaigns to resume instead of those this incident paused.")),
                ],
                required: ["channel"]
            )
        case "reschedule_posts":
            return mapping(
                "Moves calendar posts due within `window` later by `shift`; restore_posts moves them back.",
                [
                    ("channel", channelReference(serving: "reschedule_posts")),
                    ("networks", list("Networks whose posts move.", of: .object([("enum", strings(PlatformCatalog.networks))]))),
                    ("window", ref("positive-duration", "Posts due within this long from now.")),
                    ("shift", ref("positive-duration", "How much later to move them.")),
                ],
                required: ["channel", "networks", "window", "shift"]
            )
        case "restore_posts":
            return mapping(
                "Moves back the posts this incident rescheduled; those whose time has passed go to now + 15m, in order.",
                [("channel", channelReference(serving: "restore_posts"))],
                required: ["channel"]
            )
        case "webhook":
            return mapping(
                "Calls an HTTP endpoint with `body` as the JSON request body (its strings rendered as templates).",
                [
                    ("channel", channelReference(serving: "webhook")),
                    ("url", ref("url", "The endpoint, instead of a channel.")),
                    ("method", choice("HTTP method; default POST.", ["POST", "PUT", "PATCH", "DELETE", "GET"], default: "POST")),
                    ("body", .object([("description", .string("Any YAML value, sent as JSON."))])),
                ]
            ).setting("oneOf", exactlyOne(of: ["channel", "url"]))
        case "wait":
            return mapping(
                "A step that succeeds after a while; later steps can wait for it with `after`.", [("for", ref("duration", "How long to wait."))],
                required: ["for"])
        case "log":
            return mapping("Records a line in the incident log.", [("message", ref("text", "The line to record."))], required: ["message"])
        case "approve":
            return approveSchema
        default:
            return .object([])
        }
    }

    /// Who is asked: `to` channels, and/or a segment's contacts `via` channels, never `segment`
    /// without `via` (said with draft-07 keywords, which editors understand).
    private static var approveSchema: JSONValue {
        let neither = JSONValue.object([("anyOf", exactlyOne(of: ["segment", "via"]))])
        return mapping(
            "Asks people to decide before the steps that name it in `after` run: they run only if it is approved. The request goes to `to` channels and/or a segment's contacts `via` channels.",
            [
                ("to", channelList("Channel ids to post the request on (\(typesServing("post"))).")),
                ("segment", ref("slug", "A segment id from `audience.segments` whose contacts are asked, with `via`.")),
                ("via", channelList("Channel ids reaching the segment's contacts (\(typesServing("notify"))), in order of preference.")),
                ("text", ref("text", "The request (a Mustache template); {{ approval.url }} is the link that decides it, {{ approval.expires_at }} when it expires.")),
                ("template", ref("slug", "A template id from `templates`; it may name approval.url and approval.expires_at.")),
                ("timeout", ref("positive-duration", "How long people have to decide; the link expires then. Default 30m.").setting("default", .string("30m"))),
                ("on_timeout", choice("What an undecided approval becomes at its timeout. Default deny.", ["approve", "deny"], default: "deny")),
            ]
        )
        .setting("oneOf", exactlyOne(of: ["template", "text"]))
        .setting(
            "anyOf",
            .array([
                .object([("required", strings(["segment", "via"]))]),
                .object([("required", strings(["to"])), ("not", neither)]),
            ]))
    }

    private static var campaignsSchema: JSONValue {
        .object([
            ("description", .string("Campaigns: all, a list of campaign ids, or {name_matches: REGEX}.")),
            (
                "oneOf",
                .array([
                    .object([("const", .string("all"))]),
                    list("Campaign ids.", of: .object([("type", types("string", "number"))])),
                    mapping(
                        "Campaigns whose name matches a regular expression.", [("name_matches", ref("text", "A regular expression."))],
                        required: ["name_matches"]),
                ])
            ),
        ])
    }
}
