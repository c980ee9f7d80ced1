/// Recursive descent over the expressions' precedence ladder: or < and < not < comparison/in/contains < unary minus.
struct ExpressionParser {
    private let tokens: [Token]
    private var index = 0
    private var depth = 0
    private static let maximumDepth = 64
    /// `a or b or c …` builds a tree as deep as the chain is long, and every later pass (checker,
    /// evaluator, even freeing the tree) recurses through it: a 100,000-term chain overflowed the
    /// stack. No real condition needs more terms than this in one chain.
    private static let maximumChain = 256

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    private var current: Token { tokens[index] }

    mutating func parseWhole() throws(ExpressionError) -> Expression {
        if current.kind == .end { throw ExpressionError("expression is empty", at: 0) }
        let expression = try parseOr()
        guard current.kind == .end else {
            throw ExpressionError("unexpected \(describe(current)) after a complete expression; missing 'and' or 'or'?", at: current.offset)
        }
        return expression
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .name(let path): return "name '\(path.joined(separator: "."))'"
        case .text(let text): return "text '\(text)'"
        case .number, .duration, .percentage: return "number"
        case .keyword(let word): return "'\(word)'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "end of expression"
        }
    }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isKeyword(_ word: String) -> Bool { current.kind == .keyword(word) }
    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private func span(_ start: Int, _ end: Expression) -> Int { end.offset + end.length - start }

    private mutating func nest() throws(ExpressionError) {
        depth += 1
        if depth > Self.maximumDepth { throw ExpressionError("expression is nested too deeply", at: current.offset) }
    }

    private mutating func parseOr() throws(ExpressionError) -> Expression {
        var left = try parseAnd()
        var terms = 1
        while isKeyword("or") {
            terms += 1
            if terms > Self.maximumChain {
                throw ExpressionError("more than \(Self.maximumChain) terms joined by 'or'; split the condition into segments or triggers", at: current.offset)
            }
            _ = advance()
            let right = try parseAnd()
            left = Expression(.binary(.or, left, right), offset: left.offset, length: span(left.offset, right))
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionError) -> Expression {
        var left = try parseNot()
        var terms = 1
        while isKeyword("and") {
            terms += 1
            if terms > Self.maximumChain {
                throw ExpressionError("more than \(Self.maximumChain) terms joined by 'and'; split the condition into segments or triggers", at: current.offset)
            }
            _ = advance()
            let right = try parseNot()
            left = Expression(.binary(.and, left, right), offset: left.offset, length: span(left.offset, right))
        }
        return left
    }

    private mutating func parseNot() throws(ExpressionError) -> Expression {
        if isKeyword("not") {
            try nest()
            defer { depth -= 1 }
            let start = advance().offset
            let operand = try parseNot()
            return Expression(.not(operand), offset: start, length: span(start, operand))
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(ExpressionError) -> Expression {
        let left = try parseUnary()
        let op: BinaryOperator?
        switch current.kind {
        case .symbol(let s): op = BinaryOperator(rawValue: s)
        case .keyword("in"): op = .in
        case .keyword("contains"): op = .contains
        case .keyword("not") where tokens[min(index + 1, tokens.count - 1)].kind == .keyword("in"):
            throw ExpressionError("write 'not (x in y)' instead of 'x not in y'", at: current.offset)
        default: op = nil
        }
        guard let op, op != .or, op != .and else { return left }
        _ = advance()
        let right = try parseUnary()
        let expression = Expression(.binary(op, left, right), offset: left.offset, length: span(left.offset, right))
        if case .symbol(let s) = current.kind, BinaryOperator(rawValue: s) != nil {
            throw ExpressionError("comparisons do not chain; join them with 'and'", at: current.offset)
        }
        return expression
    }

    private mutating func parseUnary() throws(ExpressionError) -> Expression {
        if isSymbol("-") {
            try nest()
            defer { depth -= 1 }
            let start = advance().offset
            let operand = try parseUnary()
            return Expression(.negate(operand), offset: start, length: span(start, operand))
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expression {
        let token = current
        switch token.kind {
        case .text(let text):
            _ = advance()
            return Expression(.literal(.text(text)), offset: token.offset, length: token.length)
        case .number(let n):
            _ = advance()
            return Expression(.literal(.number(n)), offset: token.offset, length: token.length)
        case .duration(let d):
            _ = advance()
            return Expression(.literal(.duration(d)), offset: token.offset, length: token.length)
        case .percentage(let p):
            _ = advance()
            return Expression(.literal(.percentage(p)), offset: token.offset, length: token.length)
        case .keyword("true"), .keyword("false"):
            _ = advance()
            return Expression(.literal(.bool(token.kind == .keyword("true"))), offset: token.offset, length: token.length)
        case .name(let path):
            _ = advance()
            return Expression(.name(path), offset: token.offset, length: token.length)
        case .symbol("("):
            try nest()
            defer { depth -= 1 }
            _ = advance()
            let inner = try parseOr()
            guard isSymbol(")") else {
                // At the end, the '(' that lacks its ')' is the useful place to point; elsewhere, the token that is in the way.
                if current.kind == .end { throw ExpressionError("this '(' is never closed; add ')'", at: token.offset) }
                throw ExpressionError("expected ')' here, to close an earlier '(', found \(describe(current))", at: current.offset)
            }
            let close = advance()
            return Expression(inner.node, offset: token.offset, length: close.offset + 1 - token.offset)
        case .symbol("["):
            try nest()
            defer { depth -= 1 }
            _ = advance()
            var items: [Expression] = []
            if !isSymbol("]") {
                while true {
                    items.append(try parseOr())
                    if isSymbol(",") {
                        _ = advance()
                        continue
                    }
                    break
                }
            }
            guard isSymbol("]") else { throw ExpressionError("expected ',' or ']' in a list", at: current.offset) }
            let close = advance()
            return Expression(.list(items), offset: token.offset, length: close.offset + 1 - token.offset)
        case .end:
            throw ExpressionError("expression ends too early; a value is missing", at: token.offset)
        default:
            throw ExpressionError("expected a value, found \(describe(token))", at: token.offset)
        }
    }
}
