/// Infers the type of an expression and rejects what cannot work: unknown names, mismatched
/// operands, and comparisons with a literal that can never be equal (`now.weekday == 'monday'`).
public struct TypeChecker: Sendable {
    public var scope: NameScope

    public init(scope: NameScope) {
        self.scope = scope
    }

    /// Checks an expression used as a condition: it must be a boolean.
    public func checkCondition(_ expression: Expression) throws(ExpressionError) {
        let type = try check(expression)
        guard type == .bool || type == .any else {
            throw ExpressionError("a condition must be true or false, but this is \(type.withArticle)", at: expression.offset)
        }
    }

    public func check(_ expression: Expression) throws(ExpressionError) -> ValueType {
        switch expression.node {
        case .literal(let value):
            switch value {
            case .bool: return .bool
            case .number: return .number
            case .text: return .text
            case .duration: return .duration
            case .percentage: return .percentage
            default: return .any
            }
        case .name(let path):
            switch scope.type(of: path) {
            case .success(let type): return type
            case .failure(let error): throw ExpressionError(error.message, at: expression.offset)
            }
        case .list(let items):
            var element: ValueType?
            for item in items {
                let type = try check(item)
                if let known = element, !known.isComparable(with: type) {
                    throw ExpressionError("a list holds values of one type: \(known) and \(type) are mixed", at: item.offset)
                }
                element = element ?? type
            }
            return .list(element ?? .any)
        case .not(let operand):
            try expect(.bool, operand, "'not' applies to true or false")
            return .bool
        case .negate(let operand):
            let type = try check(operand)
            guard [.number, .duration, .any].contains(type) else {
                throw ExpressionError("'-' applies to a number or a duration, not \(type.withArticle)", at: operand.offset)
            }
            return type
        case .binary(let op, let left, let right):
            return try checkBinary(op, left, right)
        }
    }

    private func expect(_ wanted: ValueType, _ expression: Expression, _ why: String) throws(ExpressionError) {
        let type = try check(expression)
        guard type == wanted || type == .any else {
            throw ExpressionError("\(why), but this is \(type.withArticle)", at: expression.offset)
        }
    }

    private func checkBinary(_ op: BinaryOperator, _ left: Expression, _ right: Expression) throws(ExpressionError) -> ValueType {
        switch op {
        case .or, .and:
            try expect(.bool, left, "'\(op.rawValue)' joins conditions that are true or false")
            try expect(.bool, right, "'\(op.rawValue)' joins conditions that are true or false")
            return .bool
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let l = try check(left)
            let r = try check(right)
            guard l.isComparable(with: r) else {
                throw ExpressionError("cannot compare \(l.withArticle) with \(r.withArticle)", at: right.offset)
            }
            if op != .equal, op != .notEqual, !(l.isOrdered && r.isOrdered) {
                throw ExpressionError("'\(op.rawValue)' orders numbers, durations, percentages or text, not \((l == .any ? r : l).withArticle)", at: left.offset)
            }
            try checkLiteralDomain(left, right)
            try checkLiteralDomain(right, left)
            return .bool
        case .in, .contains:
            let (element, container) = op == .in ? (left, right) : (right, left)
            let e = try check(element)
            let c = try check(container)
            switch c {
            case .list(let inner):
                guard inner.isComparable(with: e) else {
                    throw ExpressionError("\(e.withArticle) is never in \(c.withArticle)", at: element.offset)
                }
            case .text:
                guard e == .text || e == .any else {
                    throw ExpressionError("only text can be found in text, not \(e.withArticle)", at: element.offset)
                }
            case .any: break
            default:
                throw ExpressionError("'\(op.rawValue)' looks into a list or text, not \(c.withArticle)", at: container.offset)
            }
            return .bool
        }
    }

    /// A literal compared with a name whose values are a closed set must be one of them.
    private func checkLiteralDomain(_ name: Expression, _ literal: Expression) throws(ExpressionError) {
        guard case .name(let path) = name.node, case .literal(.text(let text)) = literal.node else { return }
        let domain: [String]?
        if path.first == "steps", path.last == "status" {
            domain = NameScope.stepStatuses
        } else if path == ["now", "weekday"] {
            domain = NameScope.weekdays
        } else {
            domain = nil
        }
        if let domain, !domain.contains(text) {
            throw ExpressionError("'\(path.joined(separator: "."))' is never '\(text)'; it is one of \(domain.map { "'\($0)'" }.joined(separator: ", "))\(Suggestion.hint(for: text, in: domain))", at: literal.offset)
        }
    }
}
