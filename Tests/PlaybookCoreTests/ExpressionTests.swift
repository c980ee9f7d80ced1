import PlaybookCore
import Testing

/// The expression language of §5: what parses, what type-checks, and what it evaluates to.
@Suite struct ExpressionTests {
    static let scope = NameScope(
        triggerFields: NameScope.triggerFields(of: "platform_down").merging(NameScope.triggerFields(of: "traffic_drop")) { a, _ in a },
        stepIDs: ["warn-vips", "pause-ads"],
        vars: .object([("shop_url", .string("https://shop.example.com")), ("limit", .number(3)), ("regions", .array([.string("eu"), .string("us")]))]),
        allowsContact: false
    )
    static let segmentScope = NameScope(triggerFields: [:], stepIDs: nil, vars: .object([]), allowsContact: true, contactFields: ["telegram_chat_id", "city"])

    static func facts(_ path: [String]) -> Value {
        switch path.joined(separator: ".") {
        case "trigger.platforms": return .list([.text("facebook"), .text("instagram")])
        case "now.hour": return .number(6)
        case "now.weekday": return .text("sun")
        case "incident.active": return .bool(true)
        case "incident.elapsed": return .duration(600)
        case "trigger.drop": return .number(0.45)
        case "vars.limit": return .number(3)
        case "vars.shop_url": return .text("https://shop.example.com")
        case "vars.regions": return .list([.text("eu"), .text("us")])
        case "steps.pause-ads.status": return .unknown(reason: "known when pause-ads has run")
        default: return .unknown(reason: "unknown \(path.joined(separator: "."))")
        }
    }

    func evaluate(_ text: String) throws -> Value {
        let expression = try Expression.parse(text)
        try TypeChecker(scope: Self.scope).checkCondition(expression)
        return Evaluator(resolve: Self.facts).evaluate(expression)
    }

    @Test(arguments: [
        ("not (now.weekday == 'sun' and now.hour < 7)", false),
        ("'facebook' in trigger.platforms or 'instagram' in trigger.platforms", true),
        ("trigger.platforms contains 'whatsapp'", false),
        ("incident.active and incident.elapsed >= 5m", true),
        ("trigger.drop >= 40%", true),
        ("vars.limit > -1", true),
        ("'shop' in vars.shop_url", true),
        ("'eu' in vars.regions and 1h30m == 90m", true),
        ("[1, 2, 3] contains vars.limit", true),
        ("steps.pause-ads.status == 'failed' and false", false),
        ("steps.pause-ads.status == 'failed' or true", true),
    ])
    func evaluates(_ text: String, _ expected: Bool) throws {
        #expect(try evaluate(text) == .bool(expected))
    }

    @Test func unknownFactsStayUnknown() throws {
        #expect(try evaluate("steps.pause-ads.status == 'succeeded'").isUnknown)
        #expect(try evaluate("incident.active and steps.pause-ads.status == 'succeeded'").isUnknown)
    }

    /// Each error points at the column (0-based offset) of the offending part.
    @Test(arguments: [
        ("now.hour == 'x'", 12, "cannot compare a number with text"),
        ("now.hour", 0, "a condition must be true or false, but this is a number"),
        ("trigger.platfroms contains 'x'", 0, "unknown name 'trigger.platfroms'; did you mean 'trigger.platforms'?"),
        ("steps.warn-vip.status == 'failed'", 0, "unknown step 'warn-vip' in 'steps.warn-vip.status'; did you mean 'warn-vips'?"),
        ("steps.warn-vips.status == 'ok'", 26, "'steps.warn-vips.status' is never 'ok'; it is one of 'pending', 'succeeded', 'failed', 'skipped'"),
        ("now.weekday == 'monday'", 15, "'now.weekday' is never 'monday'; it is one of 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'"),
        ("incident.active and now.hour", 20, "'and' joins conditions that are true or false, but this is a number"),
        ("contact.email == ''", 0, "'contact.*' is known only in segment definitions and in the messages of 'notify' (a contact at a time)"),
        ("trigger.payload.status == 'x'", 0, "'trigger.payload' is not exposed by any trigger of this playbook (only webhook triggers expose it)"),
        ("vars.shop == 'x'", 0, "unknown variable 'vars.shop'; did you mean 'vars.shop_url'?"),
        ("vars.shop_ulr == 'x'", 0, "unknown variable 'vars.shop_ulr'; did you mean 'vars.shop_url'?"),
        ("1 in now.hour", 5, "'in' looks into a list or text, not a number"),
        ("now.hour < 5 < 6", 13, "comparisons do not chain; join them with 'and'"),
        ("now.hour = 5", 9, "'=' is not an operator; compare with '=='"),
        ("now.hour == 5 &&", 14, "unexpected '&'; write 'and', 'or', 'not'"),
        ("(now.hour == 5", 0, "this '(' is never closed; add ')'"),
        ("(now.hour == 5 ]", 15, "expected ')' here, to close an earlier '(', found ']'"),
        ("'open", 0, "text starting here is never closed; end it with a single quote (')"),
        ("", 0, "expression is empty"),
        ("now.hour == 5 now.minute", 14, "unexpected name 'now.minute' after a complete expression; missing 'and' or 'or'?"),
        ("incident.elapsed > 5x", 19, "'5x' is not a number or a duration (units: d, h, m, s; e.g. 1h30m)"),
        ("[1, 'a'] contains 1", 4, "a list holds values of one type: number and text are mixed"),
    ])
    func rejects(_ text: String, _ offset: Int, _ message: String) {
        #expect(throws: ExpressionError(message, at: offset)) {
            let expression = try Expression.parse(text)
            try TypeChecker(scope: Self.scope).checkCondition(expression)
        }
    }

    @Test func segmentsReadContacts() throws {
        let checker = TypeChecker(scope: Self.segmentScope)
        try checker.checkCondition(try Expression.parse("'vip' in contact.tags and contact.consent.email"))
        try checker.checkCondition(try Expression.parse("contact.fields.city == 'Rome'"))
        #expect(throws: ExpressionError("the contacts file has no column 'cty'; did you mean 'city'?", at: 0)) {
            try checker.checkCondition(try Expression.parse("contact.fields.cty == 'Rome'"))
        }
        #expect(throws: ExpressionError("'steps.*' cannot be used here: segments and the playbook's 'if' are decided before any step runs", at: 0)) {
            try checker.checkCondition(try Expression.parse("steps.a.status == 'failed'"))
        }
    }

    @Test func deepNestingIsRejectedNotCrashed() {
        let text = String(repeating: "(", count: 10_000) + "true" + String(repeating: ")", count: 10_000)
        #expect(throws: ExpressionError.self) { try Expression.parse(text) }
        let nots = String(repeating: "not ", count: 10_000) + "true"
        #expect(throws: ExpressionError.self) { try Expression.parse(nots) }
    }
}
