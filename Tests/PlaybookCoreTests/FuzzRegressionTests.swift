import Foundation
import PlaybookCore
import Testing

/// Every input the fuzz targets (fuzz/, docs/reliability.md) found to crash or to break an
/// invariant, kept as a test of the normal suite. Each names its target and the input as found
/// (or minimised), and was seen failing before the fix.
@Suite struct FuzzRegressionTests {
    /// FuzzExpression: a malformed duration whose "did you mean" suggestion adds up to more
    /// seconds than an Int holds trapped in `Duration.format` (`Int(seconds.rounded())`).
    @Test func hugeMalformedDurationIsAnErrorNotATrap() {
        for text in ["1h66666666666666666660h", "0h3000000000000000000000000000m0m20m", "incident.elapsed > 99999999999999999999999d1d"] {
            #expect(throws: ExpressionError.self) { try Expression.parse(text) }
        }
        #expect(Duration.format(seconds: 1e30).hasSuffix("s"))
        #expect(!Duration.format(seconds: .infinity).isEmpty)
        #expect(!Duration.format(seconds: -.nan).isEmpty)
        // A number too large for a Double is not a duration at all.
        #expect(Duration.parseSeconds(String(repeating: "9", count: 400) + "s") == nil)
    }

    /// FuzzPlaybook: the same through a playbook, where durations are also formatted in messages.
    @Test func hugeDurationsInAPlaybookAreDiagnosed() {
        let yaml = """
            version: 1
            playbook: huge
            triggers: [{ id: by-hand, manual: {} }]
            steps:
              - { id: a, at: 1h66666666666666666660h, log: { message: x } }
              - { id: b, if: "incident.elapsed > 1h66666666666666666660h", log: { message: x } }
              - { id: c, delay: \(String(repeating: "9", count: 400))s, after: [a], log: { message: x } }
            """
        let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: "huge.yaml")
        let lines = Set(result.diagnostics.filter { $0.severity == .error }.map(\.location.line))
        #expect(lines == [5, 6, 7], "\(result.diagnostics.map { "\($0.location): \($0.message)" })")
    }

    /// FuzzTemplate: a text starting with a combining mark (U+034F) fused with the `}}` of the
    /// renderer's `{{% CONTENT_TYPE: TEXT}}` prefix into one character, so the prefix no longer
    /// parsed: `validate` accepted a template that every run failed to render.
    @Test func templateStartingWithACombiningMarkRenders() throws {
        let text = "\u{34F}Hi {{ contact.name }}, \u{301}{{ vars.shop_url }}"
        let scope = NameScope(triggerFields: [:], stepIDs: nil, vars: .object([("shop_url", .string("https://shop.example.com"))]), allowsContact: true)
        #expect(TemplateCheck.diagnostics(of: text, scope: scope).isEmpty)
        let renderer = try MessageRenderer(subject: text, text: text, html: nil)
        let values = MessageValues(["vars": .object(["shop_url": .text("https://shop.example.com")])])
        let rendered = renderer.render(contact: Contact(id: "c1", name: "Giulia & Co"), values: values)
        #expect(rendered.text == "\u{34F}Hi Giulia & Co, \u{301}https://shop.example.com")
        #expect(rendered.subject == rendered.text)
        let context: [String: Any] = ["contact": ["name": "Giulia & Co"], "vars": ["shop_url": "https://shop.example.com"]]
        #expect(renderer.referenceRender(context) == rendered)
    }

    /// FuzzPlaybook (long run): a block scalar header with an indentation indicator on the last
    /// line of the file (`>1`, nothing after it) read past the last line while mapping the text's
    /// characters to their columns.
    @Test(arguments: [">1", "|2", ">-3 # folded", "version: 1\nplaybook: x\ndescription: |1"])
    func blockScalarHeaderOnTheLastLine(_ text: String) {
        let result = PlaybookLoader.check(bytes: Array(text.utf8), path: "last-line.yaml")
        #expect(!result.isValid)
        #expect(result.diagnostics.contains { $0.severity == .error })
    }

    /// Found while looking for deep recursion beyond the fuzzers' input sizes: a condition of
    /// 100,000 terms joined by `or` (700 KB, under the 1 MiB bound) built a tree 100,000 deep,
    /// and checking it overflowed the stack (SIGSEGV). Now a diagnostic at the 257th term.
    @Test func aVeryLongOrChainIsDiagnosedNotACrash() {
        let chain = Array(repeating: "true", count: 100_000).joined(separator: " or ")
        let yaml = "version: 1\nplaybook: long\ntriggers: [{ id: t, manual: {} }]\nsteps: [{ id: a, if: \"\(chain)\", log: { message: x } }]\n"
        let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: "long.yaml")
        #expect(!result.isValid)
        #expect(result.diagnostics.contains { $0.message.contains("more than 256 terms joined by 'or'") }, "\(result.diagnostics.map(\.message))")
        let fine = Array(repeating: "true", count: 256).joined(separator: " and ")
        #expect(throws: Never.self) { try Expression.parse(fine) }
    }

    /// The same hunt in templates: sections nested 20,000 deep in a notify message.
    @Test func deeplyNestedTemplateSectionsDoNotCrash() {
        let text = String(repeating: "{{#contact.tags}}", count: 20_000) + "x" + String(repeating: "{{/contact.tags}}", count: 20_000)
        let yaml = """
            version: 1
            playbook: deep
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            audience: { contacts: contacts.csv, segments: { all: "true" } }
            steps: [{ id: a, notify: { segment: all, via: [out], text: "\(text)" } }]
            """
        let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: "deep.yaml")
        if result.isValid, let renderer = try? MessageRenderer(subject: nil, text: text, html: nil) {
            #expect(renderer.render(contact: Contact(id: "c1", tags: ["vip"]), values: MessageValues([:])).text == "x")
        } else {
            #expect(result.diagnostics.contains { $0.severity == .error }, "\(result.diagnostics.map(\.message))")
        }
    }
}
