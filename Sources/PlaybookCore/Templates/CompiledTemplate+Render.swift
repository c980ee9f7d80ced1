/// What a compiled template renders against: the step's values and, for a delivery, the contact.
/// The root answers `contact` with the contact (when there is one) and every other name from the
/// step's values, as `MessageContext` does for swift-mustache.
struct TemplateScope {
    let values: MessageValues
    let contact: Contact?

    /// A value in the context stack. The contact and its parts are looked up in place, never
    /// copied into dictionaries.
    enum Item {
        case root
        case contact, consent, fields, tags
        case value(TemplateValue)
    }

    func child(_ key: TemplateKey, of item: Item) -> Item? {
        switch item {
        case .root:
            if key.known == .contact, contact != nil { return .contact }
            return values.typed[key.text].map(Item.value)
        case .contact:
            guard let contact else { return nil }
            switch key.known {
            case .id: return .value(.text(contact.id))
            case .name: return .value(.text(contact.name))
            case .email: return .value(.text(contact.email))
            case .phone: return .value(.text(contact.phone))
            case .tags: return .tags
            case .timezone: return .value(.text(contact.timezone))
            case .locale: return .value(.text(contact.locale))
            case .consent: return .consent
            case .fields: return .fields
            default: return nil
            }
        case .consent:
            switch key.known {
            case .email: return .value(.bool(contact?.consentEmail ?? false))
            case .sms: return .value(.bool(contact?.consentSMS ?? false))
            default: return nil
            }
        case .fields:
            return contact?.fields[key.text].map { .value(.text($0)) }
        case .tags:
            return nil
        case .value(let value):
            guard case .object(let members) = value else { return nil }  // scalars and lists have no named children
            return members[key.text].map(Item.value)
        }
    }

    /// swift-mustache's lookup: the first key up the stack (or in its top only, for `.a`), the
    /// rest inside what it found.
    func lookup(_ name: TemplateName, in stack: [Item]) -> Item? {
        guard let first = name.keys.first else { return stack.last ?? .root }
        var found: Item?
        if name.anchored {
            found = child(first, of: stack.last ?? .root)
        } else {
            for item in stack.reversed() {
                found = child(first, of: item)
                if found != nil { break }
            }
            if found == nil { found = child(first, of: .root) }
        }
        guard var item = found else { return nil }
        for key in name.keys.dropFirst() {
            guard let next = child(key, of: item) else { return nil }
            item = next
        }
        return item
    }

    /// Whether the item is a list (which sections iterate), and whether it is empty.
    func listState(of item: Item) -> (isList: Bool, isEmpty: Bool) {
        switch item {
        case .tags: return (true, contact?.tags.isEmpty ?? true)
        case .value(.list(let items)): return (true, items.isEmpty)
        default: return (false, false)
        }
    }

    /// `String(describing:)` of the value swift-mustache would have been given.
    func text(of item: Item) -> String {
        switch item {
        case .value(.text(let text)): return text
        case .value(.int(let number)): return String(number)
        case .value(.double(let number)): return String(number)
        case .value(.bool(let flag)): return flag ? "true" : "false"
        case .value(let value): return String(describing: value.any)
        case .tags: return String(describing: contact?.tags ?? [])
        case .consent: return String(describing: ["email": contact?.consentEmail ?? false, "sms": contact?.consentSMS ?? false])
        case .fields: return String(describing: contact?.fields ?? [:])
        case .contact, .root:
            let context = MessageRenderer.adding(contact, to: values.untyped)
            guard case .contact = item, let contact else { return String(describing: context) }
            return String(describing: ContactContext(contact: contact))
        }
    }
}

extension CompiledTemplate {
    /// Renders with HTML escaping of values (swift-mustache's default) unless the template's
    /// pragma says otherwise.
    func render(_ scope: TemplateScope) -> String {
        var out = ""
        out.reserveCapacity(textSize + 64)
        var stack: [TemplateScope.Item] = []
        Self.render(nodes, html: true, stack: &stack, scope: scope, into: &out)
        return out
    }

    private static func render(_ nodes: [Node], html startsHTML: Bool, stack: inout [TemplateScope.Item], scope: TemplateScope, into out: inout String) {
        var html = startsHTML
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .variable(let name, let escaped):
                guard let item = scope.lookup(name, in: stack) else { continue }
                let text = scope.text(of: item)
                if escaped && html { HTMLEscaping.append(text, to: &out) } else { out += text }
            case .section(let name, let inner):
                guard let item = scope.lookup(name, in: stack) else { continue }
                switch item {
                case .tags:
                    for tag in scope.contact?.tags ?? [] {
                        stack.append(.value(.text(tag)))
                        render(inner, html: html, stack: &stack, scope: scope, into: &out)
                        stack.removeLast()
                    }
                case .value(.list(let items)):
                    for element in items {
                        stack.append(.value(element))
                        render(inner, html: html, stack: &stack, scope: scope, into: &out)
                        stack.removeLast()
                    }
                case .value(.bool(let flag)):
                    if flag { render(inner, html: html, stack: &stack, scope: scope, into: &out) }
                default:
                    stack.append(item)
                    render(inner, html: html, stack: &stack, scope: scope, into: &out)
                    stack.removeLast()
                }
            case .inverted(let name, let inner):
                guard let item = scope.lookup(name, in: stack) else {
                    render(inner, html: html, stack: &stack, scope: scope, into: &out)
                    continue
                }
                let list = scope.listState(of: item)
                if list.isList {
                    // An empty list renders the section with itself on top of the stack.
                    if list.isEmpty {
                        stack.append(item)
                        render(inner, html: html, stack: &stack, scope: scope, into: &out)
                        stack.removeLast()
                    }
                } else if case .value(.bool(let flag)) = item, !flag {
                    render(inner, html: html, stack: &stack, scope: scope, into: &out)
                }
            case .contentType(let isHTML):
                html = isHTML
            }
        }
    }
}

/// swift-mustache's HTML escaping (`<`, `>`, `&`, `"`, `'`), which compares whole characters:
/// ASCII text is escaped byte by byte, anything else character by character as it does.
enum HTMLEscaping {
    static func append(_ text: String, to out: inout String) {
        var special = false
        var ascii = true
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "\""), UInt8(ascii: "'"): special = true
            case 0x80...: ascii = false
            default: break
            }
        }
        guard special else {
            out += text
            return
        }
        if ascii {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.utf8.count + 16)
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "<"): bytes += Array("&lt;".utf8)
                case UInt8(ascii: ">"): bytes += Array("&gt;".utf8)
                case UInt8(ascii: "&"): bytes += Array("&amp;".utf8)
                case UInt8(ascii: "\""): bytes += Array("&quot;".utf8)
                case UInt8(ascii: "'"): bytes += Array("&#39;".utf8)
                default: bytes.append(byte)
                }
            }
            out += String(decoding: bytes, as: UTF8.self)
            return
        }
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
    }
}
