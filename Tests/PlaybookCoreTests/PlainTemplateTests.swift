import Foundation
import Mustache
@testable import PlaybookCore
import Testing

/// The shortcut that skips swift-mustache's parser must never accept a template the parser
/// rejects: checked on hand-picked cases and on thousands of random ones built from tricky pieces.
@Suite struct PlainTemplateTests {
    static func parses(_ text: String) -> Bool { (try? MustacheTemplate(string: text)) != nil }

    @Test(arguments: [
        "", "plain text", "Hi {{ contact.name }}!", "{{a}}{{b.c}}", "{{#contact.tags}}- {{.}}\n{{/contact.tags}}",
        "{{^x}}none{{/x}}", "{{ vars.shop-url }}", "a { b } {c} }}", "line\r\n{{ x }}\r\n", "{{#a}}{{#b}}{{/b}}{{/a}}",
    ])
    func acceptsPlainTemplates(_ text: String) {
        #expect(TemplateChecker.isPlainlyValid(text))
        #expect(Self.parses(text))
    }

    @Test(arguments: [
        "{{", "{{ name", "{{}}", "{{ #x }}{{/x}}", "{{#a}}", "{{/a}}", "{{#a}}{{/b}}", "{{#a}}{{#b}}{{/a}}{{/b}}", "{{! note }}",
        "{{> part }}", "{{{ raw }}}", "{{& amp }}", "{{=<% %>=}}", "{{ f(x) }}", "{{ é }}", "{{ a b }}", "{{ a }", "{{$block}}{{/block}}", "ends with {",
    ])
    func leavesTheRestToTheParser(_ text: String) {
        #expect(!TemplateChecker.isPlainlyValid(text))
    }

    @Test func neverAcceptsWhatTheParserRejects() {
        let pieces = [
            "{{", "}}", "{", "}", "#", "^", "/", "!", "&", ">", "=", " ", "\n", "\r\n", "\t", "a", "b", ".", "-", "?", "*", "(", ")", "é",
            "{{#a}}", "{{/a}}", "{{^b}}", "{{/b}}", "{{ b }}", "{{#a-b}}", "{{/a-b}}", "{{ ", " }}", "{{#", "{{/", "x",
        ]
        // Seeded, so a failure can be replayed; PLAYBOOK_FUZZ_COUNT runs more cases.
        var state: UInt64 = 0x2021_1004
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let count = ProcessInfo.processInfo.environment["PLAYBOOK_FUZZ_COUNT"].flatMap(Int.init) ?? 50_000
        var accepted = 0
        for _ in 0..<count {
            let text = (0..<(1 + next(14))).map { _ in pieces[next(pieces.count)] }.joined()
            if TemplateChecker.isPlainlyValid(text) {
                accepted += 1
                #expect(Self.parses(text), "\(text.debugDescription)")
            }
        }
        #expect(accepted > 100)
    }
}
