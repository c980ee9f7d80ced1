import Foundation
import Mustache

/// Renders a `notify`/`post` message (subject, text, html), choosing the template variant of the
/// contact's locale (`it-IT` falls back to `it`, then to the default).
///
/// Each part is parsed once per step by swift-mustache (the reference, and what reports errors)
/// and, when it sticks to the tags people write, compiled into a `CompiledTemplate` that renders
/// against typed `MessageValues` and the contact directly; any other part is rendered by
/// swift-mustache, given the same values as plain dictionaries (`contact`, `trigger`,
/// `incident`, `vars`, `now`). Both give the same text (`docs/decisions.md`).
public struct MessageRenderer: Sendable {
    public struct Rendered: Sendable, Equatable {
        public var subject: String?
        public var text: String
        public var html: String?
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// One part of a message: swift-mustache's template, and the compiled one when there is one.
    struct Part: Sendable {
        let reference: MustacheTemplate
        let compiled: CompiledTemplate?

        func render(_ scope: TemplateScope) -> String {
            if let compiled { return compiled.render(scope) }
            return reference.render(MessageRenderer.adding(scope.contact, to: scope.values.untyped))
        }
    }

    struct Parts: Sendable {
        var subject: Part?
        var text: Part?
        var html: Part?
    }

    private let base: Parts
    private let locales: [String: Parts]

    /// Messages are text: no HTML escaping of values in subject and text parts. The pragma stands
    /// on a line of its own (which Mustache removes with its line break), so that a text starting
    /// with a combining mark cannot fuse with its `}}` (found by fuzzing).
    static let textPragma = "{{% CONTENT_TYPE: TEXT}}\n"

    /// Parses a part as swift-mustache does (`text`: with the text pragma) and compiles it when the
    /// fast path covers it.
    static func part(_ source: String?, text: Bool) throws(Failure) -> Part? {
        guard let source else { return nil }
        let full = text ? textPragma + source : source
        do {
            return Part(reference: try MustacheTemplate(string: full), compiled: CompiledTemplate(full))
        } catch {
            throw Failure(description: "template does not parse: \(error)")
        }
    }

    /// Parses the parts of a message; fails with the first part that does not parse.
    public init(subject: String?, text: String?, html: String?, locales: [String: (subject: String?, text: String?, html: String?)] = [:]) throws(Failure) {
        base = Parts(subject: try Self.part(subject, text: true), text: try Self.part(text, text: true), html: try Self.part(html, text: false))
        var parsed: [String: Parts] = [:]
        for (locale, parts) in locales {
            parsed[locale.lowercased()] = Parts(
                subject: try Self.part(parts.subject, text: true), text: try Self.part(parts.text, text: true), html: try Self.part(parts.html, text: false))
        }
        self.locales = parsed
    }

    /// Builds the renderer of a step's content from the playbook.
    public init(content: MessageContent, link: String? = nil, in playbook: Playbook) throws(Failure) {
        switch content {
        case .template(let id):
            guard let template = playbook.template(id.value) else { throw Failure(description: "unknown template '\(id.value)'") }
            var locales: [String: (subject: String?, text: String?, html: String?)] = [:]
            for (locale, variant) in template.locales { locales[locale.value] = (variant.subject?.value, variant.text?.value, variant.html?.value) }
            try self.init(subject: template.subject?.value, text: template.text?.value, html: template.html?.value, locales: locales)
        case .inline(let subject, let text):
            try self.init(subject: subject?.value, text: text?.value, html: nil)
        }
    }

    /// Whether every part (of every locale) renders through the compiled fast path.
    public var isCompiled: Bool {
        ([base] + Array(locales.values)).allSatisfy { parts in
            [parts.subject, parts.text, parts.html].allSatisfy { $0 == nil || $0?.compiled != nil }
        }
    }

    private func parts(for locale: String) -> Parts? {
        guard !locales.isEmpty else { return nil }
        let lower = Self.normalized(locale)
        if let exact = locales[lower] { return exact }
        guard lower.utf8.contains(UInt8(ascii: "-")), let language = lower.split(separator: "-").first else { return nil }
        return locales[String(language)]
    }

    /// The locale lowercased with `_` as `-`; without Foundation for the usual ASCII tags.
    static func normalized(_ locale: String) -> String {
        var plain = true
        for byte in locale.utf8 where byte >= 0x80 || byte == UInt8(ascii: "_") || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) {
            plain = false
            break
        }
        if plain { return locale }
        return locale.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// Renders the message for a contact (or none) over the step's values.
    public func render(contact: Contact?, values: MessageValues, locale: String = "") -> Rendered {
        let variant = parts(for: locale)
        let scope = TemplateScope(values: values, contact: contact)
        return Rendered(
            subject: (variant?.subject ?? base.subject)?.render(scope),
            text: (variant?.text ?? base.text)?.render(scope) ?? "",
            html: (variant?.html ?? base.html)?.render(scope)
        )
    }

    /// Renders through swift-mustache alone, given a plain context: the reference the compiled
    /// path is tested against.
    public func referenceRender(_ context: Any, locale: String = "") -> Rendered {
        let variant = parts(for: locale)
        return Rendered(
            subject: (variant?.subject ?? base.subject)?.reference.render(context),
            text: (variant?.text ?? base.text)?.reference.render(context) ?? "",
            html: (variant?.html ?? base.html)?.reference.render(context)
        )
    }

    /// The Mustache context of a message.
    public static func context(contact: Contact?, facts: Facts) -> Any {
        adding(contact, to: baseContext(facts: facts))
    }

    /// The context with a contact added: the per-delivery part, cheap, over a base computed once
    /// per step. The contact is looked up by name on demand (no dictionary built per delivery).
    public static func adding(_ contact: Contact?, to base: [String: Any]) -> Any {
        guard let contact else { return base }
        return MessageContext(base: base, contact: ContactContext(contact: contact))
    }

    /// The part of the context that is the same for every contact of a step, as plain dictionaries.
    public static func baseContext(facts: Facts) -> [String: Any] {
        MessageValues(facts: facts).untyped
    }
}

/// The root of a message's Mustache context: the step's base values plus the contact.
struct MessageContext: MustacheParent {
    let base: [String: Any]
    let contact: ContactContext

    func child(named name: String) -> Any? {
        name == "contact" ? contact : base[name]
    }
}

/// `contact.*` for templates, answered from the contact without copying it into dictionaries.
struct ContactContext: MustacheParent {
    let contact: Contact

    func child(named name: String) -> Any? {
        switch name {
        case "id": return contact.id
        case "name": return contact.name
        case "email": return contact.email
        case "phone": return contact.phone
        case "tags": return contact.tags
        case "timezone": return contact.timezone
        case "locale": return contact.locale
        case "consent": return ["email": contact.consentEmail, "sms": contact.consentSMS]
        case "fields": return contact.fields
        default: return nil
        }
    }
}
