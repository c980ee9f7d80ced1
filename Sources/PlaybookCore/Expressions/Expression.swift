/// A parsed expression: the tree of expressions (docs/language.md), each node keeping its offset into the source text so that
/// type errors point inside the expression.
public indirect enum ExpressionNode: Sendable, Equatable {
    case literal(Value)
    case name([String])
    case list([Expression])
    case not(Expression)
    case negate(Expression)
    case binary(BinaryOperator, Expression, Expression)
}

public enum BinaryOperator: String, Sendable, Equatable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in`, contains
}

public struct Expression: Sendable, Equatable {
    public var node: ExpressionNode
    public var offset: Int
    public var length: Int

    public init(_ node: ExpressionNode, offset: Int, length: Int) {
        self.node = node
        self.offset = offset
        self.length = length
    }

    /// Parses an expression's text; the error's offset points at the offending token.
    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        var lexer = Lexer(text)
        var parser = ExpressionParser(tokens: try lexer.tokenize())
        return try parser.parseWhole()
    }

    /// Every dotted name the expression reads, in order of appearance.
    public var names: [[String]] {
        switch node {
        case .literal: return []
        case .name(let path): return [path]
        case .list(let items): return items.flatMap(\.names)
        case .not(let e), .negate(let e): return e.names
        case .binary(_, let l, let r): return l.names + r.names
        }
    }
}
