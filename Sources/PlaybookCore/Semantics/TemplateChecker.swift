import Mustache

/// Checks a Mustache template: that swift-mustache can parse it, and that every variable it names
/// exists in the scope of its use.
struct TemplateChecker {
    let scope: NameScope
    let sink: DiagnosticSink

    /// Checks `text` written at `node`; `what` names it in messages.
    func check(_ text: Located<String>, node: YAMLNode?, _ what: String) {
        do {
            _ = try MustacheTemplate(string: text.value)
        } catch let error as MustacheTemplate.ParserError {
            sink.error("\(what) is not a valid Mustache template: \(Self.describe(error.error))", at: location(text, node, line: error.context.lineNumber, column: error.context.columnNumber))
            return
        } catch {
            sink.error("\(what) is not a valid Mustache template: \(error)", at: text.location)
            return
        }
        for tag in Self.tags(in: text.value) {
            if tag.relative { continue }
            let path = tag.name.split(separator: ".").map(String.init)
            if case .failure(let problem) = scope.type(of: path) {
                sink.error("\(what) names {{ \(tag.name) }}: \(problem.message)", at: location(text, node, line: tag.line, column: tag.column))
            }
        }
    }

    private func location(_ text: Located<String>, _ node: YAMLNode?, line: Int, column: Int) -> SourceLocation {
        line == 1 ? text.location(ofTextOffset: column - 1) : text.location
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with the wrong name"
        case .unfinishedName: return "a tag is not closed with '}}'"
        case .expectedSectionEnd: return "a section '{{#…}}' is never closed with '{{/…}}'"
        case .invalidSetDelimiter: return "invalid set-delimiter tag"
        default: return "\(error)"
        }
    }

    struct Tag {
        var name: String
        var line: Int
        var column: Int
        /// Inside a section, where names resolve against the section's item first.
        var relative: Bool
    }

    /// The variable and section names of a template, with their positions (1-based).
    static func tags(in text: String) -> [Tag] {
        var tags: [Tag] = []
        var sectionDepth = 0
        var line = 1
        var column = 1
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{" {
                let startLine = line, startColumn = column
                var j = i + 2
                var inner = ""
                while j + 1 < scalars.count, !(scalars[j] == "}" && scalars[j + 1] == "}") {
                    inner.unicodeScalars.append(scalars[j])
                    j += 1
                }
                for k in i..<min(j + 2, scalars.count) {
                    if scalars[k] == "\n" { line += 1; column = 1 } else { column += 1 }
                }
                i = j + 2
                var body = inner.trimmingCharacters(in: .whitespaces)
                let sigil = body.first
                if let sigil, "#^/!>&{$<=".contains(sigil) { body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces) }
                if body.hasSuffix("}") { body = String(body.dropLast()).trimmingCharacters(in: .whitespaces) }
                if let open = body.lastIndex(of: "("), let close = body.firstIndex(of: ")"), open < close {
                    body = String(body[body.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
                }
                switch sigil {
                case "!", ">", "=", "<", "$": continue
                case "/": sectionDepth = max(0, sectionDepth - 1); continue
                default: break
                }
                if !body.isEmpty, body != "." {
                    tags.append(Tag(name: body, line: startLine, column: startColumn + 2, relative: sectionDepth > 0))
                }
                if sigil == "#" || sigil == "^" { sectionDepth += 1 }
                continue
            }
            if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        return tags
    }

    /// Whether a text holds any Mustache tag, i.e. is not static.
    static func isStatic(_ text: String) -> Bool { !text.contains("{{") }
}
