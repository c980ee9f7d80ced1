import PlaybookCore
import PlaybookEngine

extension JSONBytes {
    /// The bytes of `message.envelope` (compact), written without building its `JSONValue`
    /// tree first: on a fan-out's hot path the tree (two member arrays of tuples, the tags'
    /// array, a sort of the extra fields' names) and its walk cost more than writing the text
    /// (bench/README.md, "A sixth look"). The shape is `OutboundMessage.envelope`'s and
    /// `Contact.json`'s, member for member; `JSONBytesTests` compares the two on assorted
    /// messages, since a webhook's signature covers these bytes.
    static func envelope(of message: OutboundMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        member("playbook", message.playbook, into: &out, first: true)
        member("incident", message.incident, into: &out)
        member("step", message.step, into: &out)
        member("action", message.action, into: &out)
        member("idempotency_key", message.idempotencyKey, into: &out)
        if let contact = message.contact {
            name("contact", into: &out)
            write(contact, into: &out)
        }
        if let subject = message.subject { member("subject", subject, into: &out) }
        member("text", message.text, into: &out)
        if let html = message.html { member("html", html, into: &out) }
        if let link = message.link { member("link", link, into: &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `Contact.json`'s text.
    private static func write(_ contact: Contact, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        member("id", contact.id, into: &out, first: true)
        member("name", contact.name, into: &out)
        member("email", contact.email, into: &out)
        member("phone", contact.phone, into: &out)
        name("tags", into: &out)
        out.append(UInt8(ascii: "["))
        for (index, tag) in contact.tags.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(tag, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        name("consent_email", into: &out)
        out.append(contentsOf: (contact.consentEmail ? "true" : "false").utf8)
        name("consent_sms", into: &out)
        out.append(contentsOf: (contact.consentSMS ? "true" : "false").utf8)
        member("timezone", contact.timezone, into: &out)
        member("locale", contact.locale, into: &out)
        for key in contact.fields.keys.sorted() { member(key, contact.fields[key]!, into: &out) }
        out.append(UInt8(ascii: "}"))
    }

    /// A member's name and colon, after a comma unless it is the object's first.
    private static func name(_ name: String, into out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        writeString(name, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// A member whose value is a string.
    private static func member(_ key: String, _ value: String, into out: inout [UInt8], first: Bool = false) {
        name(key, into: &out, first: first)
        writeString(value, into: &out)
    }
}
