/// The static type of an expression, inferred by the checker.
public indirect enum ValueType: Sendable, Equatable, CustomStringConvertible {
    case bool, number, text, duration, percentage
    case list(ValueType)
    /// A value whose shape is known only at run time (a webhook payload): compatible with anything.
    case any

    public var description: String {
        switch self {
        case .bool: return "boolean"
        case .number: return "number"
        case .text: return "text"
        case .duration: return "duration"
        case .percentage: return "percentage"
        case .list(let element): return element == .any ? "list" : "list of \(element)"
        case .any: return "any"
        }
    }

    /// The type as a noun phrase in a sentence: "a number", but "text" (not "a text").
    public var withArticle: String {
        switch self {
        case .text: return "text"
        case .any: return "a value"
        case .list(let element) where element != .any: return "a list of \(element == .text ? "text" : "\(element)s")"
        default: return "a \(description)"
        }
    }

    /// Whether values of the two types can be compared with `==`.
    func isComparable(with other: ValueType) -> Bool {
        switch (self, other) {
        case (.any, _), (_, .any): return true
        case let (.list(a), .list(b)): return a.isComparable(with: b)
        case (.number, .percentage), (.percentage, .number): return true
        default: return self == other
        }
    }

    var isOrdered: Bool {
        switch self {
        case .number, .duration, .percentage, .text, .any: return true
        default: return false
        }
    }

    /// The empty value of the type, held by a `trigger.*` name that the firing trigger does not expose.
    public var emptyValue: Value {
        switch self {
        case .bool: return .bool(false)
        case .number: return .number(0)
        case .text, .any: return .text("")
        case .duration: return .duration(0)
        case .percentage: return .percentage(0)
        case .list: return .list([])
        }
    }
}
