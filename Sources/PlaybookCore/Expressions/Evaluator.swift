/// Evaluates a checked expression against the facts at hand. Names it cannot resolve, and facts
/// known only at run time, evaluate to `.unknown`, and logic over them is three-valued.
public struct Evaluator: Sendable {
    public typealias Resolver = @Sendable ([String]) -> Value

    private let resolve: Resolver

    public init(resolve: @escaping Resolver) {
        self.resolve = resolve
    }

    public func evaluate(_ expression: Expression) -> Value {
        switch expression.node {
        case .literal(let value): return value
        case .name(let path): return resolve(path)
        case .list(let items):
            let values = items.map(evaluate)
            if let unknown = values.first(where: \.isUnknown) { return unknown }
            return .list(values)
        case .not(let operand):
            switch evaluate(operand) {
            case .bool(let b): return .bool(!b)
            case let other: return unknownOr(other, "not a boolean")
            }
        case .negate(let operand):
            switch evaluate(operand) {
            case .number(let n): return .number(-n)
            case .duration(let d): return .duration(-d)
            case let other: return unknownOr(other, "not a number")
            }
        case .binary(let op, let left, let right):
            return binary(op, left, right)
        }
    }

    /// Evaluates a condition: `true`, `false`, or nil with the reason it cannot be known yet.
    public func condition(_ expression: Expression) -> (Bool?, String?) {
        switch evaluate(expression) {
        case .bool(let b): return (b, nil)
        case .unknown(let reason): return (nil, reason)
        default: return (nil, "the condition is not true or false")
        }
    }

    private func unknownOr(_ value: Value, _ reason: String) -> Value {
        value.isUnknown ? value : .unknown(reason: reason)
    }

    private func binary(_ op: BinaryOperator, _ left: Expression, _ right: Expression) -> Value {
        switch op {
        case .and:
            let l = evaluate(left)
            if l == .bool(false) { return .bool(false) }
            let r = evaluate(right)
            if r == .bool(false) { return .bool(false) }
            if case .bool(true) = l, case .bool(true) = r { return .bool(true) }
            return l.isUnknown ? l : (r.isUnknown ? r : .unknown(reason: "not a boolean"))
        case .or:
            let l = evaluate(left)
            if l == .bool(true) { return .bool(true) }
            let r = evaluate(right)
            if r == .bool(true) { return .bool(true) }
            if case .bool(false) = l, case .bool(false) = r { return .bool(false) }
            return l.isUnknown ? l : (r.isUnknown ? r : .unknown(reason: "not a boolean"))
        default:
            let l = evaluate(left)
            let r = evaluate(right)
            if l.isUnknown { return l }
            if r.isUnknown { return r }
            switch op {
            case .equal: return .bool(Self.equal(l, r))
            case .notEqual: return .bool(!Self.equal(l, r))
            case .less, .lessOrEqual, .greater, .greaterOrEqual:
                guard let order = Self.compare(l, r) else { return .unknown(reason: "cannot order \(l.displayText) and \(r.displayText)") }
                switch op {
                case .less: return .bool(order < 0)
                case .lessOrEqual: return .bool(order <= 0)
                case .greater: return .bool(order > 0)
                default: return .bool(order >= 0)
                }
            case .in: return Self.membership(element: l, container: r)
            case .contains: return Self.membership(element: r, container: l)
            default: return .unknown(reason: "unreachable")
            }
        }
    }

    static func numeric(_ value: Value) -> Double? {
        switch value {
        case .number(let n), .percentage(let n), .duration(let n): return n
        case .text(let t): return Double(t)
        default: return nil
        }
    }

    static func equal(_ l: Value, _ r: Value) -> Bool {
        switch (l, r) {
        case let (.list(a), .list(b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case let (.text(a), .text(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.text, _), (_, .text): return l.displayText == r.displayText
        default:
            if let a = numeric(l), let b = numeric(r) { return a == b }
            return l == r
        }
    }

    static func compare(_ l: Value, _ r: Value) -> Int? {
        if case .text(let a) = l, case .text(let b) = r { return a < b ? -1 : (a == b ? 0 : 1) }
        guard let a = numeric(l), let b = numeric(r) else { return nil }
        return a < b ? -1 : (a == b ? 0 : 1)
    }

    static func membership(element: Value, container: Value) -> Value {
        switch container {
        case .list(let items): return .bool(items.contains { equal($0, element) })
        case .text(let text): return .bool(text.contains(element.displayText))
        case .object(let members): return .bool(members[element.displayText] != nil)
        default: return .unknown(reason: "cannot look into \(container.displayText)")
        }
    }
}
