import Foundation
import Mustache

/// Renders a `notify`/`post` message (subject, text, html) with swift-mustache, choosing the
/// template variant of the contact's locale (`it-IT` falls back to `it`, then to the default).
///
/// Values are given as plain dictionaries, as Mustache expects: `contact`, `trigger`, `incident`,
/// `vars`, `now`. Templates are parsed once per step and reused for every contact.
public struct MessageRenderer: Sendable {
    public struct Rendered: Sendable, Equatable {
        public var subject: String?
        public var text: String
        public var html: String?
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private struct Parts: Sendable {
        var subject: MustacheTemplate?
        var text: MustacheTemplate?
        var html: MustacheTemplate?
    }

    private let base: Parts
    private let locales: [String: Parts]

    /// Parses the parts of a message; fails with the first part that does not parse.
    public init(subject: String?, text: String?, html: String?, locales: [String: (subject: String?, text: String?, html: String?)] = [:]) throws(Failure) {
        func parse(_ source: String?) throws(Failure) -> MustacheTemplate? {
            guard let source else { return nil }
            do {
                // Messages are text: no HTML escaping of values in subject and text parts. The
                // pragma stands on a line of its own (which Mustache removes with its line break),
                // so that a text starting with a combining mark cannot fuse with its `}}`.
                return try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}\n" + source)
            } catch {
                throw Failure(description: "template does not parse: \(error)")
            }
        }
        func parseHTML(_ source: String?) throws(Failure) -> MustacheTemplate? {
            guard let source else { return nil }
            do {
                return try MustacheTemplate(string: source)
            } catch {
                throw Failure(description: "template does not parse: \(error)")
            }
        }
        base = Parts(subject: try parse(subject), text: try parse(text), html: try parseHTML(html))
        var parsed: [String: Parts] = [:]
        for (locale, parts) in locales {
            parsed[locale.lowercased()] = Parts(subject: try parse(parts.subject), text: try parse(parts.text), html: try parseHTML(parts.html))
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

    private func parts(for locale: String) -> (Parts?, Parts) {
        let lower = locale.lowercased().replacingOccurrences(of: "_", with: "-")
        if let exact = locales[lower] { return (exact, base) }
        if let language = lower.split(separator: "-").first, let general = locales[String(language)] { return (general, base) }
        return (nil, base)
    }

    public func render(_ context: Any, locale: String = "") -> Rendered {
        let (variant, fallback) = parts(for: locale)
        func pick(_ part: KeyPath<Parts, MustacheTemplate?>) -> MustacheTemplate? { variant?[keyPath: part] ?? fallback[keyPath: part] }
        return Rendered(
            subject: pick(\.subject)?.render(context),
            text: pick(\.text)?.render(context) ?? "",
            html: pick(\.html)?.render(context)
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

    /// The part of the context that is the same for every contact of a step: trigger, incident,
    /// vars and the clock (dates and calendars are costly to format per delivery).
    public static func baseContext(facts: Facts) -> [String: Any] {
        var context: [String: Any] = [:]
        if let contact = Optional<Contact>.none {
            context["contact"] = [
                "id": contact.id, "name": contact.name, "email": contact.email, "phone": contact.phone, "tags": contact.tags,
                "timezone": contact.timezone, "locale": contact.locale,
                "consent": ["email": contact.consentEmail, "sms": contact.consentSMS], "fields": contact.fields,
            ] as [String: Any]
        }
        var trigger: [String: Any] = ["id": facts.triggerID, "kind": facts.triggerKind]
        for (name, value) in facts.trigger { trigger[name] = plain(value) }
        if trigger["platform_names"] == nil, case .text(let names) = facts.resolve(["trigger", "platform_names"]) { trigger["platform_names"] = names }
        context["trigger"] = trigger
        context["incident"] = ["id": facts.incidentID, "started_at": ISO8601DateFormatter().string(from: facts.startedAt),
                               "active": facts.active ?? true, "elapsed": Duration.format(seconds: facts.elapsed ?? 0)] as [String: Any]
        context["vars"] = plain(Value(facts.vars))
        var now: [String: Any] = [:]
        for name in ["hour", "minute", "weekday", "date"] { now[name] = plain(facts.resolve(["now", name])) }
        context["now"] = now
        return context
    }

    static func plain(_ value: Value) -> Any {
        switch value {
        case .bool(let b): return b
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? Int(n) as Any : n as Any
        case .text(let t): return t
        case .duration, .percentage: return value.displayText
        case .list(let items): return items.map(plain)
        case .object(let members): return members.mapValues(plain)
        case .unknown: return ""
        }
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
