import Foundation

/// A value a template can name: the typed form of what swift-mustache is given as `Any`
/// (`String`, `Int`, `Double`, `Bool`, `[Any]`, `[String: Any]`). `any` gives exactly that form,
/// so the compiled templates and swift-mustache see the same data.
public enum TemplateValue: Sendable, Equatable {
    case text(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])

    /// The value of an expression's `Value`, as templates show it: whole numbers below 10^15 as
    /// integers, durations and percentages as their display text, unknown values as empty text.
    public init(_ value: Value) {
        switch value {
        case .bool(let b): self = .bool(b)
        case .number(let n): self = n == n.rounded() && abs(n) < 1e15 ? .int(Int(n)) : .double(n)
        case .text(let t): self = .text(t)
        case .duration, .percentage: self = .text(value.displayText)
        case .list(let items): self = .list(items.map(TemplateValue.init))
        case .object(let members): self = .object(members.mapValues(TemplateValue.init))
        case .unknown: self = .text("")
        }
    }

    /// The form swift-mustache is given.
    public var any: Any {
        switch self {
        case .text(let t): return t
        case .int(let i): return i
        case .double(let d): return d
        case .bool(let b): return b
        case .list(let items): return items.map(\.any)
        case .object(let members): return members.mapValues(\.any)
        }
    }
}

/// The values of a message that are the same for every contact of a step — `trigger`, `incident`,
/// `vars`, `now` — computed once per step (dates and calendars are costly to format per delivery).
/// Holds both the typed tree the compiled templates read and the `[String: Any]` form for
/// templates that swift-mustache renders.
public struct MessageValues: @unchecked Sendable {
    /// The typed values, by root name.
    public let typed: [String: TemplateValue]
    /// The same values as swift-mustache is given them; immutable once built.
    public let untyped: [String: Any]

    public init(_ typed: [String: TemplateValue]) {
        self.typed = typed
        self.untyped = typed.mapValues(\.any)
    }

    public init(facts: Facts) {
        var trigger: [String: TemplateValue] = ["id": .text(facts.triggerID), "kind": .text(facts.triggerKind)]
        for (name, value) in facts.trigger { trigger[name] = TemplateValue(value) }
        if trigger["platform_names"] == nil, case .text(let names) = facts.resolve(["trigger", "platform_names"]) { trigger["platform_names"] = .text(names) }
        var now: [String: TemplateValue] = [:]
        for name in ["hour", "minute", "weekday", "date"] { now[name] = TemplateValue(facts.resolve(["now", name])) }
        var values: [String: TemplateValue] = [
            "trigger": .object(trigger),
            "incident": .object([
                "id": .text(facts.incidentID), "started_at": .text(ISO8601DateFormatter().string(from: facts.startedAt)),
                "active": .bool(facts.active ?? true), "elapsed": .text(Duration.format(seconds: facts.elapsed ?? 0)),
            ]),
            "vars": TemplateValue(Value(facts.vars)),
            "now": .object(now),
        ]
        if let approval = facts.approval {
            values["approval"] = MessageValues(values).withApproval(url: approval.url, expiresAt: approval.expiresAt).typed["approval"]
        }
        self.init(values)
    }
}
