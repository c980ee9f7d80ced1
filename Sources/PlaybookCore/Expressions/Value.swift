/// A run-time value of the expression language. `unknown` stands for a fact known only when the
/// playbook really runs (a step's outcome, a field of a webhook payload): logic over it follows
/// Kleene's three values, so `false and unknown` is still `false` and a plan can say "depends".
public indirect enum Value: Sendable, Equatable {
    case bool(Bool)
    case number(Double)
    case text(String)
    /// Seconds.
    case duration(Double)
    /// A fraction, 0...1.
    case percentage(Double)
    case list([Value])
    case object([String: Value])
    case unknown(reason: String)

    public var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }

    /// Builds a value from JSON (a webhook payload, `vars`).
    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .text("")
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .text(s)
        case .array(let items): self = .list(items.map(Value.init))
        case .object(let members): self = .object(Dictionary(members.map { ($0.0, Value($0.1)) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// The value as a person reads it, for plans and templates.
    public var displayText: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .text(let s): return s
        case .duration(let d): return Duration.format(seconds: d)
        case .percentage(let p): return "\(Value.number(p * 100).displayText)%"
        case .list(let items): return items.map(\.displayText).joined(separator: ", ")
        case .object: return "{…}"
        case .unknown(let reason): return "<\(reason)>"
        }
    }
}
