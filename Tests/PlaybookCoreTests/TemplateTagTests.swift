@testable import PlaybookCore
import Testing

/// The tag scanner behind template name checks: names, where each name starts (columns in
/// Unicode scalars), which names sit inside a section, and which tags open or close one.
@Suite struct TemplateTagTests {
    static func scan(_ text: String) -> [String] {
        TemplateChecker.tags(in: text).map {
            "\($0.name)@\($0.line):\($0.column)\($0.relative ? " (relative)" : "")\($0.opensSection ? " opens" : "")\($0.closesSection ? " closes" : "")"
        }
    }

    @Test func namesAndColumns() {
        #expect(Self.scan("Hi {{ contact.name }}, see {{vars.url}}") == ["contact.name@1:7", "vars.url@1:30"])
    }

    @Test func columnsCountScalarsNotBytes() {
        #expect(Self.scan("é😀 {{ a }}") == ["a@1:7"])
    }

    @Test func linesAndSections() {
        let text = "line one\n{{#contact.tags}}- {{.}} {{ name }}\n{{/contact.tags}}{{^x}}{{/x}} {{{ raw }}} {{& amp }}"
        #expect(Self.scan(text) == [
            "contact.tags@2:4 opens", "name@2:29 (relative)", "contact.tags@3:4 closes", "x@3:21 opens", "x@3:27 closes", "raw@3:35", "amp@3:47",
        ])
    }

    @Test func blanksAroundSigilsAndNames() {
        #expect(Self.scan("{{#  a }}{{/ a}}\t{{ b\t}}") == ["a@1:6 opens", "a@1:14 closes", "b@1:21"])
    }

    @Test func commentsPartialsAndDelimitersAreNotNames() {
        #expect(Self.scan("{{! note }}{{> part }}{{=<% %>=}}{{ kept }}") == ["kept@1:37"])
    }

    @Test func unclosedTagDoesNotCrash() {
        #expect(Self.scan("{{ open") == ["ope@1:4"])
        #expect(Self.scan("x {{ é") == [])
        #expect(Self.scan("{{") == [])
    }
}
