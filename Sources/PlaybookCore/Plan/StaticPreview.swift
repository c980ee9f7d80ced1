import Foundation

/// A step's text as `plan` can show it before the incident: the tags whose values are already
/// known (`vars.*`, with `--set vars.*` applied) rendered, every other tag (`contact.*`,
/// `trigger.*`, sections) left as written, so the preview shows the shop's URL, not
/// `{{ vars.shop_url }}`, without pretending to know what only the incident will tell.
enum StaticPreview {
    static func render(_ text: String, values: MessageValues) -> String {
        guard text.containsBytes("{{") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let triple = rest[open.upperBound...].hasPrefix("{")
            guard let close = rest[open.upperBound...].range(of: triple ? "}}}" : "}}") else { break }
            let tag = rest[open.lowerBound..<close.upperBound]
            // A change of delimiters changes what every later tag looks like: stop substituting.
            if rest[open.upperBound...].hasPrefix("=") { break }
            out += isKnownVariable(tag) ? renderTag(String(tag), values: values) : String(tag)
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// `{{ vars.x }}`, `{{{ vars.x }}}` or `{{& vars.x }}`: a variable tag of `vars`.
    private static func isKnownVariable(_ tag: Substring) -> Bool {
        var name = tag.dropFirst(2).dropLast(2)
        if name.hasPrefix("{") { name = name.dropFirst().dropLast() } else if name.hasPrefix("&") { name = name.dropFirst() }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        return trimmed.hasPrefix("vars.") && !trimmed.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" })
    }

    /// The tag rendered alone, exactly as the message renderer renders it at run time.
    private static func renderTag(_ tag: String, values: MessageValues) -> String {
        guard let renderer = try? MessageRenderer(subject: nil, text: tag, html: nil) else { return tag }
        return renderer.render(contact: nil, values: values).text ?? tag
    }
}
