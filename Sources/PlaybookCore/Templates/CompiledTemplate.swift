/// A Mustache template parsed once into a small node list and rendered against typed values and a
/// contact, without boxing anything in `Any`: the fast path of `MessageRenderer`.
///
/// It covers the templates people write — text, `{{name.path}}`, `{{{x}}}`/`{{&x}}`, `{{.}}`,
/// sections, inverted sections, comments and the `CONTENT_TYPE` pragma — and renders them exactly
/// as swift-mustache 2.1.1 does (its parser is ported step by step in `CompiledTemplate+Parser`,
/// its lookup, truthiness, formatting and escaping here). Any other template is declined
/// (`init` returns nil) and swift-mustache renders it; `CompiledTemplateDifferentialTests`
/// compares both on every shipped template and thousands of generated ones.
struct CompiledTemplate: Sendable {
    indirect enum Node: Sendable {
        case text(String)
        case variable(TemplateName, escaped: Bool)
        case section(TemplateName, [Node])
        case inverted(TemplateName, [Node])
        /// `{{% CONTENT_TYPE: … }}`: whether values are HTML-escaped from here to the end of the
        /// enclosing node list.
        case contentType(html: Bool)
    }

    let nodes: [Node]
    /// Bytes of text in the template, to size the output.
    let textSize: Int

    /// Compiles `source` (the text given to swift-mustache, pragma prefix included); nil when
    /// the fast path leaves it to swift-mustache.
    init?(_ source: String) {
        guard let nodes = try? Self.parse(source) else { return nil }
        self.nodes = Self.merged(nodes)
        textSize = source.utf8.count
    }

    /// Adjacent texts joined (they render one after the other anyway).
    private static func merged(_ nodes: [Node]) -> [Node] {
        var out: [Node] = []
        for node in nodes {
            switch node {
            case .text(let text):
                if case .text(let previous)? = out.last {
                    out[out.count - 1] = .text(previous + text)
                } else if !text.isEmpty {
                    out.append(node)
                }
            case .section(let name, let inner): out.append(.section(name, merged(inner)))
            case .inverted(let name, let inner): out.append(.inverted(name, merged(inner)))
            default: out.append(node)
            }
        }
        return out
    }
}

/// A tag's name, split once: `a.b.c` is looked up in the context stack by `a`, then `b` and `c`
/// inside it; `.a` only in the top of the stack; `.` (and `..`, or an empty name) is the top.
struct TemplateName: Sendable {
    let anchored: Bool
    let keys: [TemplateKey]

    init(_ name: String) {
        anchored = name.first == "."
        keys = name == "." ? [] : name.split(separator: ".").map { TemplateKey(String($0)) }
    }
}

/// One component of a name, with the names of a contact's parts recognised once.
struct TemplateKey: Sendable {
    enum Known: Sendable {
        case contact, id, name, email, phone, tags, timezone, locale, consent, fields, sms, other
    }

    let text: String
    let known: Known

    init(_ text: String) {
        self.text = text
        switch text {
        case "contact": known = .contact
        case "id": known = .id
        case "name": known = .name
        case "email": known = .email
        case "phone": known = .phone
        case "tags": known = .tags
        case "timezone": known = .timezone
        case "locale": known = .locale
        case "consent": known = .consent
        case "fields": known = .fields
        case "sms": known = .sms
        default: known = .other
        }
    }
}
