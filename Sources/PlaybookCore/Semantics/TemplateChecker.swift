import Mustache

/// Checks a Mustache template: that swift-mustache can parse it, and that every variable it names
/// exists in the scope of its use.
struct TemplateChecker {
    let scope: NameScope
    let sink: DiagnosticSink

    /// Checks `text` written at `node`; `what` names it in messages.
    func check(_ text: Located<String>, node: YAMLNode?, _ what: String) {
        do {
            if !Self.isPlainlyValid(text.value) { _ = try MustacheTemplate(string: text.value) }
        } catch let error as MustacheTemplate.ParserError {
            let (problem, line, column) = Self.explain(error.error, in: text.value, line: error.context.lineNumber, column: error.context.columnNumber)
            sink.error("\(what) is not a valid Mustache template: \(problem)", at: location(text, node, line: line, column: column))
            return
        } catch {
            sink.error("\(what) is not a valid Mustache template: \(error)", at: text.location)
            return
        }
        for tag in Self.tags(in: text.value) {
            if tag.relative || tag.closesSection || tag.name == "." { continue }
            let path = tag.name.split(separator: ".").map(String.init)
            if case .failure(let problem) = scope.type(of: path) {
                sink.error("\(what) names {{ \(tag.name) }}: \(problem.message)", at: location(text, node, line: tag.line, column: tag.column))
            }
        }
    }

    private func location(_ text: Located<String>, _ node: YAMLNode?, line: Int, column: Int) -> SourceLocation {
        text.location(ofTextLine: line, column: column)
    }

    /// What went wrong, and where to point: the parser stops at the end of the text for an
    /// unclosed section or tag, but the author needs to see the opening that lacks its close.
    static func explain(_ error: any Error, in text: String, line: Int, column: Int) -> (String, Int, Int) {
        guard let error = error as? MustacheTemplate.Error else { return ("\(error)", line, column) }
        switch error {
        case .sectionCloseNameIncorrect:
            if let (open, close) = mismatchedSection(in: text) {
                guard let open else { return ("'{{/\(close.name)}}' closes a section that was never opened", close.line, close.column) }
                return ("'{{/\(close.name)}}' closes section '{{#\(open.name)}}'; close it with '{{/\(open.name)}}'", close.line, close.column)
            }
            return ("a section is closed with the wrong name", line, column)
        case .unfinishedName:
            if let open = unclosedTag(in: text) { return ("this tag is never closed with '}}'", open.line, open.column) }
            if let bad = tags(in: text).first(where: { !isReadableName($0.name) }) {
                return ("'\(bad.name)' is not a name a tag can hold; names are letters, digits, '_', '-' and '.'", bad.line, bad.column)
            }
            return ("a tag is not closed with '}}'", line, column)
        case .expectedSectionEnd:
            if let open = openSections(in: text).last {
                return ("section '{{#\(open.name)}}' is never closed; add '{{/\(open.name)}}'", open.line, open.column)
            }
            return ("a section '{{#…}}' is never closed with '{{/…}}'", line, column)
        case .invalidSetDelimiter: return ("invalid set-delimiter tag", line, column)
        default: return ("\(error)", line, column)
        }
    }

    /// Sections opened and not closed by the end of the text, outermost first.
    static func openSections(in text: String) -> [Tag] {
        var open: [Tag] = []
        for tag in tags(in: text) {
            if tag.closesSection { _ = open.popLast() } else if tag.opensSection { open.append(tag) }
        }
        return open
    }

    /// The first section closed with another section's name: (the open section, or nil when
    /// none is open, and the close).
    static func mismatchedSection(in text: String) -> (Tag?, Tag)? {
        var open: [Tag] = []
        for tag in tags(in: text) {
            if tag.opensSection {
                open.append(tag)
            } else if tag.closesSection {
                guard let last = open.popLast() else { return (nil, tag) }
                if last.name != tag.name { return (last, tag) }
            }
        }
        return nil
    }

    static func isReadableName(_ name: String) -> Bool {
        name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || $0 == "." || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }

    /// The position of the first `{{` with no `}}` before the next `{{` or the end.
    static func unclosedTag(in text: String) -> (line: Int, column: Int)? {
        let scalars = Array(text.unicodeScalars)
        var line = 1, column = 1
        var open: (line: Int, column: Int)?
        var i = 0
        while i < scalars.count {
            if scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{" {
                if let open { return open }
                open = (line, column)
                i += 2
                column += 2
                continue
            }
            if scalars[i] == "}", i + 1 < scalars.count, scalars[i + 1] == "}" { open = nil }
            if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        return open
    }

    struct Tag {
        var name: String
        /// Where the name starts (1-based, in the template's own lines).
        var line: Int
        var column: Int
        /// Inside a section, where names resolve against the section's item first.
        var relative: Bool
        var opensSection = false
        var closesSection = false
    }

    /// The variable and section names of a template, section closes included, with their positions (1-based).
    static func tags(in text: String) -> [Tag] {
        // Scans UTF-8 bytes (the delimiters are ASCII); columns count Unicode scalars, as libyaml's do.
        var text = text
        return text.withUTF8 { bytes in
            var tags: [Tag] = []
            var sectionDepth = 0
            var line = 1
            var column = 1
            let n = bytes.count
            let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
            func advance(over range: Range<Int>) {
                for k in range {
                    if bytes[k] == UInt8(ascii: "\n") {
                        line += 1
                        column = 1
                    } else if bytes[k] & 0xC0 != 0x80 {
                        column += 1
                    }
                }
            }
            var i = 0
            while i < n {
                guard bytes[i] == open, i + 1 < n, bytes[i + 1] == open else {
                    advance(over: i..<(i + 1))
                    i += 1
                    continue
                }
                let startLine = line, startColumn = column
                var j = i + 2
                while j + 1 < n, !(bytes[j] == close && bytes[j + 1] == close) { j += 1 }
                var innerEnd = j
                if j + 1 >= n {
                    // Unclosed: the text runs to the end, less its last character.
                    while innerEnd > i + 2, bytes[innerEnd] & 0xC0 == 0x80 { innerEnd -= 1 }
                }
                let inner = String(decoding: UnsafeBufferPointer(rebasing: bytes[min(i + 2, innerEnd)..<max(i + 2, innerEnd)]), as: UTF8.self)
                advance(over: i..<min(j + 2, n))
                i = j + 2
                var body = inner.trimmingBlanks()
                var nameColumn = startColumn + 2 + inner.prefix { $0 == " " || $0 == "\t" }.count
                let sigil = body.first
                if let sigil, "#^/!>&{$<=".contains(sigil) {
                    let rest = body.dropFirst()
                    nameColumn += 1 + rest.prefix { $0 == " " || $0 == "\t" }.count
                    body = rest.trimmingBlanks()
                }
                if body.hasSuffix("}") { body = body.dropLast().trimmingBlanks() }
                if let open = body.lastIndex(of: "("), let close = body.firstIndex(of: ")"), open < close {
                    body = body[body.index(after: open)..<close].trimmingBlanks()
                }
                switch sigil {
                case "!", ">", "=", "<", "$": continue
                case "/":
                    sectionDepth = max(0, sectionDepth - 1)
                    tags.append(Tag(name: body, line: startLine, column: nameColumn, relative: sectionDepth > 0, closesSection: true))
                    continue
                default: break
                }
                let opens = sigil == "#" || sigil == "^"
                if !body.isEmpty, body != "." || opens {
                    tags.append(Tag(name: body, line: startLine, column: nameColumn, relative: sectionDepth > 0, opensSection: opens))
                }
                if opens { sectionDepth += 1 }
            }
            return tags
        }
    }

    /// Whether a text holds any Mustache tag, i.e. is not static.
    static func isStatic(_ text: String) -> Bool { !text.containsBytes("{{") }
}
