import Foundation
import Mustache
import Testing

@testable import PlaybookCore

/// The compiled templates must render exactly what swift-mustache renders, and decline whatever it
/// rejects: checked on every template of the shipped playbooks and test fixtures, and on thousands
/// of generated ones, each against several contacts and step values, as text and as HTML.
@Suite struct CompiledTemplateDifferentialTests {
    // MARK: Contexts

    static let values: [MessageValues] = [
        MessageValues([
            "trigger": .object([
                "id": .text("t"), "kind": .text("platform_down"), "platforms": .list([.text("facebook"), .text("instagram")]),
                "platform_names": .text("Facebook and Instagram"),
            ]),
            "incident": .object(["id": .text("shop-20240101"), "active": .bool(true), "elapsed": .text("5m")]),
            "vars": .object([
                "shop_url": .text("https://shop.example.com/?a=1&b=<2>"), "name": .text("Shop \"Ünïcode\" 'é'"), "empty": .text(""),
                "zero": .int(0), "count": .int(42), "ratio": .double(0.25), "big": .double(1e20), "flag": .bool(true), "off": .bool(false),
                "list": .list([.text("a"), .text("<b>"), .text("")]), "none": .list([]),
                "items": .list([.object(["name": .text("one"), "flag": .bool(true)]), .object(["name": .text("two"), "x": .int(2)])]),
                "nested": .list([.list([.int(1), .int(2)]), .list([])]),
                "obj": .object(["name": .text("inner"), "deep": .object(["y": .text("deep-y")]), "list": .list([.text("x")])]),
                "emoji": .text("😀 e\u{301} \u{1F1EE}\u{1F1F9}"),
            ]),
            "now": .object(["hour": .int(9), "minute": .int(5), "weekday": .text("mon"), "date": .text("2024-01-01")]),
        ]),
        MessageValues(["vars": .object([:]), "trigger": .object(["platforms": .list([])])]),
        MessageValues([:]),
    ]

    static let contacts: [Contact?] = [
        Contact(
            id: "c1", name: "Ada <Lovelace> & \"Co\"", email: "ada@example.com", phone: "+393331234567", tags: ["vip", "newsletter"], consentEmail: true,
            consentSMS: false, timezone: "Europe/Rome", locale: "it-IT", fields: ["city": "Roma", "name": "field-name", "x": "é<"]),
        Contact(id: "c2", name: "", tags: [], consentEmail: false, consentSMS: true, locale: "en", fields: [:]),
        Contact(id: "c3", name: "Zoë e\u{301}<\u{301}", tags: ["fan"], fields: ["list": "l"]),
        nil,
    ]

    /// Equal, or equal up to the order of a dictionary swift-mustache printed with `String(describing:)`.
    static func same(_ a: String, _ b: String) -> Bool {
        a == b || (a.contains("[") && a.count == b.count && a.sorted() == b.sorted())
    }

    /// Compiles `source` both ways and, when both accept it, compares every rendering; returns
    /// whether the fast path compiled it.
    @discardableResult
    static func compare(_ source: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        var compiledAny = false
        for full in [MessageRenderer.textPragma + source, source] {
            let reference = try? MustacheTemplate(string: full)
            let compiled = CompiledTemplate(full)
            if reference == nil {
                #expect(compiled == nil, "compiled what swift-mustache rejects: \(full.debugDescription)", sourceLocation: sourceLocation)
                continue
            }
            guard let reference, let compiled else { continue }
            compiledAny = true
            for values in values {
                for contact in contacts {
                    let expected = reference.render(MessageRenderer.adding(contact, to: values.untyped))
                    let actual = compiled.render(TemplateScope(values: values, contact: contact))
                    #expect(
                        same(actual, expected),
                        "\(full.debugDescription) with \(contact?.id ?? "no contact"): \(actual.debugDescription) != \(expected.debugDescription)",
                        sourceLocation: sourceLocation)
                }
            }
        }
        return compiledAny
    }

    // MARK: Shipped and fixture templates

    static func templates(of playbook: Playbook) -> [String] {
        var texts: [String] = []
        for template in playbook.templates {
            texts += [template.subject, template.text, template.html].compactMap { $0?.value }
            for (_, variant) in template.locales { texts += [variant.subject, variant.text, variant.html].compactMap { $0?.value } }
        }
        for step in playbook.steps + playbook.recovery {
            switch step.action {
            case .notify(_, _, .inline(let subject, let text), _): texts += [subject, text].compactMap { $0?.value }
            case .post(_, let content, let link, _):
                if case .inline(let subject, let text) = content { texts += [subject, text].compactMap { $0?.value } }
                if let link { texts.append(link.value) }
            case .log(let message): texts.append(message.value)
            default: break
            }
        }
        return texts
    }

    @Test func rendersEveryShippedAndFixtureTemplateAsSwiftMustache() throws {
        let root = TestPlaybooks.repository
        var files: [URL] = []
        for folder in ["playbooks", "Tests/PlaybookCoreTests/Fixtures/valid"] {
            let url = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) where name.hasSuffix(".yaml") && !name.hasSuffix(".test.yaml") {
                files.append(url.appendingPathComponent(name))
            }
        }
        var count = 0
        var compiled = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            guard let playbook = PlaybookLoader.check(bytes: bytes, path: file.path).playbook else { continue }
            for text in Self.templates(of: playbook) {
                count += 1
                if Self.compare(text) { compiled += 1 }
            }
        }
        #expect(count > 20)
        #expect(compiled == count, "every shipped template takes the fast path")
    }

    // MARK: Generated templates

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }

        static let names = [
            "contact.name", "contact.tags", "contact.consent.email", "contact.consent.sms", "contact.consent", "contact.fields.city", "contact.fields",
            "contact.fields.missing", "contact", "contact.id", "contact.locale", "contact.email", "trigger.platforms", "trigger.platform_names",
            "trigger", "vars.shop_url", "vars.name", "vars.empty", "vars.zero", "vars.count", "vars.ratio", "vars.big", "vars.flag", "vars.off",
            "vars.list", "vars.none", "vars.items", "vars.nested", "vars.obj", "vars.obj.name", "vars.obj.deep.y", "vars.emoji", "vars.missing",
            "missing", "missing.name", ".", "name", "flag", "x", "list", "deep.y", ".name", "..", "vars..name", "vars.", "y", "fields", "tags",
            "email", "city", "now.hour", "now.weekday", "incident.active", "incident.id", "vars.obj.list", "a-b", "a_b?", "*",
        ]
        static let sectionNames = [
            "contact.tags", "contact.consent.email", "contact.consent.sms", "contact.consent", "contact.fields", "contact", "vars.items",
            "vars.list", "vars.none", "vars.nested", "vars.obj", "vars.obj.deep", "vars.flag", "vars.off", "vars.empty", "vars.zero",
            "vars.missing", "missing", "trigger.platforms", "flag", ".", "list", "deep", "vars", "incident.active", "vars.obj.list", "fields",
        ]
        static let texts = [
            "Hi", " ", "  ", "\t", "\n", "\r\n", "\n\n", "é", "e\u{301}", "😀", "<&>'\"", "a { b }", "}", "x", ":", "#", "/", "!", "\r", "\u{2028}",
        ]
        static let unsupported = ["{{> part }}", "{{=<% %>=}}", "{{ uppercased(contact.name) }}", "{{$block}}x{{/block}}", "{{< parent}}{{/parent}}"]
        static let broken = ["{{", "}}", "{{#a}}", "{{/a}}", "{{ a", "{{ a b }}", "{{{ a }}", "{{ é }}", "{", "{{% CONTENT_TYPE: NOPE}}"]

        /// A template of text, spaces, line breaks and every tag kind, with nested sections.
        mutating func template(depth: Int = 0, allowUnsupported: Bool) -> String {
            var out = ""
            for _ in 0..<(1 + next(depth == 0 ? 12 : 5)) {
                switch next(100) {
                case 0..<30: out += pick(Self.texts)
                case 30..<50:
                    let name = pick(Self.names)
                    let spaced = next(2) == 0 ? " \(name) " : name
                    switch next(6) {
                    case 0: out += "{{{\(spaced)}}}"
                    case 1: out += "{{&\(spaced)}}"
                    default: out += "{{\(spaced)}}"
                    }
                case 50..<70 where depth < 3:
                    let name = pick(Self.sectionNames)
                    let kind = next(3) == 0 ? "^" : "#"
                    let lineBefore = next(2) == 0 ? pick(["\n", "  ", "\n  ", "\r\n\t", ""]) : ""
                    let lineAfter = next(2) == 0 ? pick(["\n", "  \n", " ", "\r\n"]) : ""
                    out += "\(lineBefore){{\(kind)\(next(2) == 0 ? " " : "")\(name)}}\(lineAfter)"
                    out += template(depth: depth + 1, allowUnsupported: allowUnsupported)
                    out += "\(pick(["", "\n", "  ", "\n "])){{/\(name)\(next(3) == 0 ? " " : "")}}\(pick(["", "\n", " \n", "x"]))"
                case 70..<80: out += pick(["{{! comment }}", "{{!}}", "  {{! a\nb }}\n", "{{!c}}\n", "\n{{! }}  \n"])
                case 80..<84: out += pick(["{{% CONTENT_TYPE: HTML}}", "{{% CONTENT_TYPE: TEXT}}\n", "{{%CONTENT_TYPE:HTML}}"])
                case 84..<87 where allowUnsupported: out += pick(Self.unsupported)
                case 87..<90 where allowUnsupported: out += pick(Self.broken)
                default: out += pick(Self.texts)
                }
            }
            return out
        }
    }

    @Test func rendersGeneratedTemplatesAsSwiftMustache() {
        // Seeded, so a failure can be replayed; PLAYBOOK_FUZZ_COUNT runs more cases.
        let count = ProcessInfo.processInfo.environment["PLAYBOOK_FUZZ_COUNT"].flatMap(Int.init) ?? 3_000
        var generator = Generator(state: 0x2024_0601)
        var declined = 0
        for index in 0..<count {
            let plainOnly = index % 2 == 0
            let text = generator.template(allowUnsupported: !plainOnly)
            let compiled = Self.compare(text)
            if plainOnly, !compiled, (try? MustacheTemplate(string: text)) != nil {
                declined += 1
                Issue.record("declined a template of supported tags: \(text.debugDescription)")
            }
        }
        #expect(declined == 0)
    }

    @Test(arguments: [
        "{{> part }}", "{{=<% %>=}}{{a}}", "{{ uppercased(contact.name) }}", "{{$block}}x{{/block}}", "{{<parent}}{{/parent}}",
        "{{#first(contact.tags)}}x{{/first(contact.tags)}}",
    ])
    func leavesOtherTagsToSwiftMustache(_ text: String) throws {
        #expect(CompiledTemplate(MessageRenderer.textPragma + text) == nil)
        let renderer = try MessageRenderer(subject: nil, text: text, html: nil)
        #expect(!renderer.isCompiled)
        let contact = Self.contacts[0]!
        let values = Self.values[0]
        #expect(renderer.render(contact: contact, values: values) == renderer.referenceRender(MessageRenderer.adding(contact, to: values.untyped)))
    }

    @Test(arguments: ["a {", "{{#a}}", "{{/a}}", "{{#a}}{{/b}}", "{{ a", "{{{ a }}", "{{% CONTENT_TYPE: NOPE}}"])
    func declinesWhatSwiftMustacheRejects(_ text: String) {
        #expect((try? MustacheTemplate(string: text)) == nil)
        #expect(CompiledTemplate(text) == nil)
    }
}
