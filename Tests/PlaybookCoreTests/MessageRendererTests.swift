import Foundation
import Testing

@testable import PlaybookCore

/// How messages render, as examples. Each goes through the compiled fast path, and each is also
/// checked against swift-mustache.
@Suite struct MessageRendererTests {
    static let values = MessageValues([
        "trigger": .object(["platform_names": .text("Facebook and Instagram"), "platforms": .list([.text("facebook"), .text("instagram")])]),
        "vars": .object(["shop_url": .text("https://shop.example.com/?a=1&b=2"), "open": .bool(true), "closed": .bool(false)]),
    ])
    static let ada = Contact(
        id: "c1", name: "Ada <Lovelace>", email: "ada@example.com", tags: ["vip", "newsletter"], consentEmail: true, locale: "it-IT",
        fields: ["city": "Roma"])

    /// Renders through the fast path, checks swift-mustache agrees, and returns the text part.
    func text(_ template: String, contact: Contact? = ada, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
        let renderer = try MessageRenderer(subject: nil, text: template, html: nil)
        #expect(renderer.isCompiled, sourceLocation: sourceLocation)
        let rendered = renderer.render(contact: contact, values: Self.values)
        #expect(rendered == renderer.referenceRender(MessageRenderer.adding(contact, to: Self.values.untyped)), sourceLocation: sourceLocation)
        return rendered.text
    }

    @Test func namesAreLookedUpInTheContactAndTheStepValues() throws {
        #expect(
            try text("Hi {{ contact.name }}, {{ trigger.platform_names }} is down: {{vars.shop_url}}")
                == "Hi Ada <Lovelace>, Facebook and Instagram is down: https://shop.example.com/?a=1&b=2")
        #expect(try text("{{ contact.fields.city }} {{ contact.consent.email }}") == "Roma true")
    }

    @Test func missingNamesRenderEmpty() throws {
        #expect(try text("[{{ contact.nickname }}][{{ vars.nope.deeper }}][{{ nothing }}]") == "[][][]")
        #expect(try text("[{{ contact.name }}]", contact: nil) == "[]")
    }

    @Test func sectionsRepeatOverListsAndSeeTheElementAsDot() throws {
        #expect(try text("{{# contact.tags }}#{{ . }} {{/ contact.tags }}") == "#vip #newsletter ")
        #expect(try text("{{#trigger.platforms}}{{.}}{{^.}}-{{/.}},{{/trigger.platforms}}") == "facebook,instagram,")
    }

    @Test func namesInsideSectionsClimbTheContextStack() throws {
        #expect(
            try text("{{#contact}}{{name}} in {{fields.city}}, shop {{vars.shop_url}}{{/contact}}")
                == "Ada <Lovelace> in Roma, shop https://shop.example.com/?a=1&b=2")
    }

    @Test func booleansShowOrHideASection() throws {
        #expect(try text("{{#vars.open}}open{{/vars.open}}{{#vars.closed}}closed{{/vars.closed}}") == "open")
        #expect(try text("{{^vars.closed}}not closed{{/vars.closed}}{{^vars.open}}not open{{/vars.open}}") == "not closed")
    }

    @Test func invertedSectionsRenderForMissingFalseAndEmpty() throws {
        let nobody = Contact(id: "c2")
        #expect(try text("{{^contact.tags}}no tags{{/contact.tags}}", contact: nobody) == "no tags")
        #expect(try text("{{^contact.tags}}no tags{{/contact.tags}}") == "")
        #expect(try text("{{^vars.missing}}none{{/vars.missing}}") == "none")
    }

    @Test func standaloneTagsTakeTheirWholeLine() throws {
        let template = """
            Hello
              {{#contact.tags}}
            - {{.}}
              {{/contact.tags}}
            {{! a note for editors }}
            Bye
            """
        #expect(try text(template) == "Hello\n- vip\n- newsletter\nBye")
    }

    @Test func tagsAmongTextKeepTheirLine() throws {
        #expect(try text("a {{#vars.open}}b{{/vars.open}} c\n") == "a b c\n")
        #expect(try text("  {{ contact.id }}\n") == "  c1\n")
    }

    @Test func valuesAreEscapedInTheHTMLPartOnly() throws {
        let renderer = try MessageRenderer(subject: "{{ contact.name }}", text: "{{ contact.name }}", html: "<p>{{ contact.name }} {{{ contact.name }}}</p>")
        #expect(renderer.isCompiled)
        let rendered = renderer.render(contact: Self.ada, values: Self.values)
        #expect(rendered.subject == "Ada <Lovelace>")
        #expect(rendered.text == "Ada <Lovelace>")
        #expect(rendered.html == "<p>Ada &lt;Lovelace&gt; Ada <Lovelace></p>")
        #expect(rendered == renderer.referenceRender(MessageRenderer.adding(Self.ada, to: Self.values.untyped)))
    }

    @Test(arguments: [
        ("it-IT", "Ciao Ada <Lovelace>"), ("it", "Ciao Ada <Lovelace>"), ("IT_it", "Ciao Ada <Lovelace>"), ("de-DE", "Hallo"), ("en", "Hi"), ("", "Hi"),
    ])
    func localesFallBackToTheLanguageThenTheDefault(_ locale: String, _ expected: String) throws {
        let renderer = try MessageRenderer(
            subject: "Down", text: "Hi", html: nil,
            locales: ["it": (subject: nil, text: "Ciao {{ contact.name }}", html: nil), "de-DE": (subject: nil, text: "Hallo", html: nil)])
        let rendered = renderer.render(contact: Self.ada, values: Self.values, locale: locale)
        #expect(rendered.text == expected)
        #expect(rendered.subject == "Down", "a part the variant lacks comes from the default")
    }

    @Test func stepValuesComeFromTheFacts() throws {
        let facts = Facts(
            trigger: ["platforms": .list([.text("facebook")]), "drop": .number(0.4), "value": .number(12)], triggerID: "t", triggerKind: "platform_down",
            triggerTypes: [:], incidentID: "inc", startedAt: Date(timeIntervalSince1970: 0), elapsed: 300, now: Date(timeIntervalSince1970: 300),
            active: true, timezone: TimeZone(identifier: "UTC")!, vars: .object([("url", .string("https://x"))]))
        let renderer = try MessageRenderer(
            subject: nil, text: "{{trigger.platform_names}} {{trigger.drop}} {{trigger.value}} {{incident.id}} {{incident.elapsed}} {{now.hour}} {{vars.url}}",
            html: nil)
        let values = MessageValues(facts: facts)
        #expect(renderer.render(contact: nil, values: values).text == "Facebook 0.4 12 inc 5m 0 https://x")
        #expect(renderer.render(contact: nil, values: values) == renderer.referenceRender(MessageRenderer.context(contact: nil, facts: facts)))
    }
}
