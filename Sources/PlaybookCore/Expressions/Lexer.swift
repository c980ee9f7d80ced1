/// Splits an expression into tokens. Names are dotted paths whose segments may hold `-` (step ids
/// are slugs: `steps.warn-vips.status`); there is no binary minus, so this is never ambiguous.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    static let keywords: Set<String> = ["or", "and", "not", "in", "contains", "true", "false"]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func tokenize() throws(ExpressionError) -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.isASCII && c.properties.isAlphabetic)
    }

    private static func isNamePart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c == "-" || (c.isASCII && (c.properties.isAlphabetic || c.properties.numericType != nil))
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private mutating func next() throws(ExpressionError) -> Token {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { position += 1 }
        let start = position
        guard let c = peek() else { return Token(kind: .end, offset: position, length: 0) }

        if c == "'" || c == "\"" { return try string(quote: c) }
        if Self.isDigit(c) || (c == "." && peek(1).map(Self.isDigit) == true) { return try number() }
        if Self.isNameStart(c) { return try name() }

        let two = peek(1).map { String(c) + String($0) } ?? ""
        if ["==", "!=", "<=", ">="].contains(two) {
            position += 2
            return Token(kind: .symbol(two), offset: start, length: 2)
        }
        if "()[],<>-".unicodeScalars.contains(c) {
            position += 1
            return Token(kind: .symbol(String(c)), offset: start, length: 1)
        }
        if c == "=" { throw ExpressionError("'=' is not an operator; compare with '=='", at: start) }
        if c == "&" || c == "|" || c == "!" { throw ExpressionError("unexpected '\(c)'; write 'and', 'or', 'not'", at: start) }
        throw ExpressionError("unexpected character '\(c)'", at: start)
    }

    private mutating func string(quote: Unicode.Scalar) throws(ExpressionError) -> Token {
        let start = position
        position += 1
        var value = String.UnicodeScalarView()
        while let c = peek() {
            position += 1
            if c == quote { return Token(kind: .text(String(value)), offset: start, length: position - start) }
            if c == "\\", let escaped = peek() {
                position += 1
                switch escaped {
                case "n": value.append("\n")
                case "t": value.append("\t")
                default: value.append(escaped)
                }
                continue
            }
            value.append(c)
        }
        throw ExpressionError("text starting here is never closed; end it with \(quote == "'" ? "a single quote (')" : "a double quote (\")")", at: start)
    }

    private mutating func number() throws(ExpressionError) -> Token {
        let start = position
        var digits = ""
        while let c = peek(), Self.isDigit(c) || c == "." {
            digits.unicodeScalars.append(c)
            position += 1
        }
        if peek() == "%" {
            position += 1
            guard let value = Double(digits) else { throw ExpressionError("malformed number '\(digits)'", at: start) }
            guard value <= 100 else { throw ExpressionError("a percentage is between 0% and 100%", at: start) }
            return Token(kind: .percentage(value / 100), offset: start, length: position - start)
        }
        if let c = peek(), Self.isNameStart(c) {
            // A duration like 5m or 1h30m: read the rest of the word and let Duration parse it.
            var word = digits
            while let c = peek(), Self.isNamePart(c) && c != "-" {
                word.unicodeScalars.append(c)
                position += 1
            }
            guard let duration = Duration.parseSeconds(word) else {
                let hint = Units.durationMeant(word).map { "; did you mean '\($0)'?" } ?? ""
                throw ExpressionError("'\(word)' is not a number or a duration (units: d, h, m, s; e.g. 1h30m)\(hint)", at: start)
            }
            return Token(kind: .duration(duration), offset: start, length: position - start)
        }
        guard let value = Double(digits) else { throw ExpressionError("malformed number '\(digits)'", at: start) }
        return Token(kind: .number(value), offset: start, length: position - start)
    }

    private mutating func name() throws(ExpressionError) -> Token {
        let start = position
        var segments: [String] = []
        var current = ""
        while let c = peek() {
            if Self.isNamePart(c) {
                current.unicodeScalars.append(c)
                position += 1
            } else if c == ".", !current.isEmpty, let following = peek(1), Self.isNamePart(following) {
                segments.append(current)
                current = ""
                position += 1
            } else {
                break
            }
        }
        segments.append(current)
        if segments.count == 1, Self.keywords.contains(current) {
            return Token(kind: .keyword(current), offset: start, length: position - start)
        }
        if current.hasSuffix("-") {
            throw ExpressionError("a name cannot end with '-'", at: position - 1)
        }
        return Token(kind: .name(segments), offset: start, length: position - start)
    }
}
