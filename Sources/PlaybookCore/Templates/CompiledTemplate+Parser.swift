/// The parser of compiled templates: a port of swift-mustache 2.1.1's parser
/// (`Template+Parser.swift`), kept step for step so that the same text gives the same output,
/// quirks included:
///
/// - it works on `Character`s (grapheme clusters), as swift-mustache does;
/// - a tag is standalone when the line *started* in the "new line" state and only spaces and
///   tabs follow it up to a line break (any `Character.isNewline`) or the end of the text;
/// - after a section, the "new line" state is the one of its *opening* tag, not of its closing
///   tag;
/// - spaces before a comment or pragma that is not standalone wait for the next text or tag;
/// - a text ending with a lone `{` does not parse, and `{{` then a line break drops the `{{`.
///
/// Anything beyond text, variables, sections, inverted sections, comments and the
/// `CONTENT_TYPE` pragma (partials, inheritance, delimiter changes, transforms) is declined.
extension CompiledTemplate {
    /// Why a template was not compiled.
    enum Declined: Error {
        /// A tag kind or a name the fast path leaves to swift-mustache.
        case unsupported
        /// swift-mustache would not parse it either.
        case invalid
    }

    /// Parses the whole text (as given to swift-mustache, with any prefix).
    static func parse(_ source: String) throws(Declined) -> [Node] {
        var cursor = Cursor(Array(source))
        return try parse(&cursor, section: nil, newLine: true)
    }

    struct Cursor {
        let characters: [Character]
        var position = 0

        init(_ characters: [Character]) { self.characters = characters }

        var reachedEnd: Bool { position == characters.count }
        /// The current character, or NUL at the end (as swift-mustache's `current()`).
        var current: Character { reachedEnd ? "\0" : characters[position] }
        mutating func advance() { position += 1 }

        @discardableResult
        mutating func read(while accepts: (Character) -> Bool) -> String {
            let start = position
            while !reachedEnd, accepts(characters[position]) { position += 1 }
            return String(characters[start..<position])
        }

        /// One character if it is `character`; the end of the text is an error.
        mutating func read(_ character: Character) throws(Declined) -> Bool {
            guard !reachedEnd else { throw .invalid }
            guard characters[position] == character else { return false }
            position += 1
            return true
        }

        /// `string` if it comes next; fewer characters left than it has is an error.
        mutating func read(string: [Character]) throws(Declined) -> Bool {
            guard characters.count - position >= string.count else { throw .invalid }
            for (offset, character) in string.enumerated() where characters[position + offset] != character { return false }
            position += string.count
            return true
        }
    }

    static let open: [Character] = ["{", "{"]
    static let close: [Character] = ["}", "}"]

    private static func parse(_ cursor: inout Cursor, section: String?, newLine startsOnNewLine: Bool) throws(Declined) -> [Node] {
        var nodes: [Node] = []
        var newLine = startsOnNewLine
        var whiteSpaceBefore = ""
        func flushWhiteSpace() {
            if !whiteSpaceBefore.isEmpty {
                nodes.append(.text(whiteSpaceBefore))
                whiteSpaceBefore = ""
            }
        }
        while !cursor.reachedEnd {
            if newLine { whiteSpaceBefore = cursor.read(while: { $0 == " " || $0 == "\t" }) }
            let text = try readUntilDelimiterOrNewline(&cursor)
            if cursor.current.isNewline {
                nodes.append(.text(whiteSpaceBefore + text + String(cursor.current)))
                newLine = true
                cursor.advance()
                continue
            }
            if !text.isEmpty {
                nodes.append(.text(whiteSpaceBefore + text))
                whiteSpaceBefore = ""
                newLine = false
            }
            if cursor.reachedEnd { break }
            var setNewLine = false
            switch cursor.current {
            case "#", "^":
                let inverted = cursor.current == "^"
                cursor.advance()
                let name = try parseName(&cursor)
                if newLine && hasLineFinished(&cursor) {
                    setNewLine = true
                } else {
                    flushWhiteSpace()
                }
                let inner = try parse(&cursor, section: name, newLine: setNewLine)
                let compiled = TemplateName(name)
                nodes.append(inverted ? .inverted(compiled, inner) : .section(compiled, inner))
            case "/":
                cursor.advance()
                let name = try parseName(&cursor)
                guard name == section else { throw .invalid }
                if !(newLine && hasLineFinished(&cursor)) { flushWhiteSpace() }
                return nodes
            case "!":
                cursor.advance()
                try skipComment(&cursor)
                setNewLine = newLine && hasLineFinished(&cursor)
            case "{":
                flushWhiteSpace()
                cursor.advance()
                let name = try parseName(&cursor)
                guard try cursor.read("}") else { throw .invalid }
                nodes.append(.variable(TemplateName(name), escaped: false))
            case "&":
                flushWhiteSpace()
                cursor.advance()
                nodes.append(.variable(TemplateName(try parseName(&cursor)), escaped: false))
            case "%":
                cursor.advance()
                nodes.append(.contentType(html: try readContentType(&cursor)))
                setNewLine = newLine && hasLineFinished(&cursor)
            case ">", "<", "$", "=":
                throw .unsupported
            default:
                flushWhiteSpace()
                nodes.append(.variable(TemplateName(try parseName(&cursor)), escaped: true))
            }
            newLine = setNewLine
        }
        guard section == nil else { throw .invalid }
        return nodes
    }

    /// Text up to a line break (`\n` or `\r\n`, not consumed) or past the next `{{`.
    private static func readUntilDelimiterOrNewline(_ cursor: inout Cursor) throws(Declined) -> String {
        var total = ""
        while !cursor.reachedEnd {
            total += cursor.read(while: { $0 != "\n" && $0 != "\r\n" && $0 != "{" })
            if cursor.current.isNewline {
                break
            } else if cursor.current == "{" {
                if try cursor.read(string: open) { break }
                total += "{"
                cursor.advance()
            }
        }
        return total
    }

    private static func parseName(_ cursor: inout Cursor) throws(Declined) -> String {
        cursor.read(while: \.isWhitespace)
        let text = cursor.read(while: { isNameCharacter($0) || $0 == "(" || $0 == ")" })
        cursor.read(while: \.isWhitespace)
        guard try cursor.read(string: close) else { throw .invalid }
        // Brackets call transforms (`{{ uppercased(name) }}`): left to swift-mustache.
        if text.contains("(") || text.contains(")") { throw .unsupported }
        return text
    }

    /// Skips a comment up to and past the first `}}`.
    private static func skipComment(_ cursor: inout Cursor) throws(Declined) {
        var matched = 0
        while !cursor.reachedEnd {
            if cursor.current == close[matched] {
                matched += 1
                if matched == close.count {
                    cursor.advance()
                    return
                }
            } else {
                matched = 0
            }
            cursor.advance()
        }
        throw .invalid
    }

    /// `{{% CONTENT_TYPE: TEXT }}` or `HTML`: whether values are HTML-escaped from here on.
    private static func readContentType(_ cursor: inout Cursor) throws(Declined) -> Bool {
        cursor.read(while: \.isWhitespace)
        let variable = cursor.read(while: isNameCharacter)
        cursor.read(while: \.isWhitespace)
        guard try cursor.read(":") else { throw .invalid }
        cursor.read(while: \.isWhitespace)
        let value = cursor.read(while: isNameCharacter)
        cursor.read(while: \.isWhitespace)
        guard try cursor.read(string: close) else { throw .invalid }
        guard !variable.isEmpty, !value.isEmpty, variable == "CONTENT_TYPE" else { throw .invalid }
        switch value {
        case "TEXT": return false
        case "HTML": return true
        default: throw .unsupported  // a content type registered with swift-mustache
        }
    }

    /// Whether only spaces and tabs follow, up to a line break (consumed) or the end of the text.
    private static func hasLineFinished(_ cursor: inout Cursor) -> Bool {
        if cursor.reachedEnd { return true }
        var probe = cursor
        probe.read(while: { $0 == " " || $0 == "\t" })
        guard probe.current.isNewline else { return false }
        cursor.position = probe.position + 1
        return true
    }

    /// swift-mustache's name characters, without brackets.
    static func isNameCharacter(_ character: Character) -> Bool {
        guard let byte = character.asciiValue else { return false }
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return true
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "?"), UInt8(ascii: "*"): return true
        default: return false
        }
    }
}
