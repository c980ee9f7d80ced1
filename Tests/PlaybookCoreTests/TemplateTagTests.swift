@testable import PlaybookCore
import Testing

/// The tag scanner behind template name checks: names, positions (columns in Unicode scalars)
/// and which names sit inside a section.
@Suite struct TemplateTagTests {
    struct Expected: Sendable, CustomStringConvertible {
        var name: String, line: Int, column: Int, relative: Bool
        var description: String { "\(name)@\(line):\(column)\(relative ? " (relative)" : "")" }
    }

    static func scan(_ text: String) -> [Expected] {
        TemplateChecker.tags(in: text).map { Expected(name: $0.name, line: $0.line, column: $0.column, relative: $0.relative) }
    }

    @Test func namesAndColumns() {
        #expect(Self.scan("Hi {{ contact.name }}, see {{vars.url}}").map(\.description) == ["contact.name@1:6", "vars.url@1:30"])
    }

    @Test func columnsCountScalarsNotBytes() {
        #expect(Self.scan("é😀 {{ a }}").map(\.description) == ["a@1:6"])
    }

    @Test func linesAndSections() {
        let text = "line one\n{{#contact.tags}}- {{.}} {{ name }}\n{{/contact.tags}}{{^x}}{{/x}} {{{ raw }}} {{& amp }}"
        #expect(Self.scan(text).map(\.description) == ["contact.tags@2:3", "name@2:28 (relative)", "x@3:20", "raw@3:33", "amp@3:45"])
    }

    @Test func commentsPartialsAndDelimitersAreNotNames() {
        #expect(Self.scan("{{! note }}{{> part }}{{=<% %>=}}{{ kept }}").map(\.name) == ["kept"])
    }

    @Test func unclosedTagDoesNotCrash() {
        _ = Self.scan("{{ open")
        _ = Self.scan("{{")
        _ = Self.scan("x {{ é")
    }
}
