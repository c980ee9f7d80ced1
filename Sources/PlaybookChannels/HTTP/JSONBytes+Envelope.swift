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
        out.append(contentsOf: #"{"playbook":"#.utf8)
        writeString(message.playbook, into: &out)
        out.append(contentsOf: #","incident":"#.utf8)
        writeString(message.incident, into: &out)
        out.append(contentsOf: #","step":"#.utf8)
        writeString(message.step, into: &out)
        out.append(contentsOf: #","action":"#.utf8)
        writeString(message.action, into: &out)
        out.append(contentsOf: #","idempotency_key":"#.utf8)
        writeString(message.idempotencyKey, into: &out)
        if let contact = message.contact {
            out.append(contentsOf: #","contact":"#.utf8)
            write(contact, into: &out)
        }
        if let subject = message.subject {
            out.append(contentsOf: #","subject":"#.utf8)
            writeString(subject, into: &out)
        }
        out.append(contentsOf: #","text":"#.utf8)
        writeString(message.text, into: &out)
        if let html = message.html {
            out.append(contentsOf: #","html":"#.utf8)
            writeString(html, into: &out)
        }
        if let link = message.link {
            out.append(contentsOf: #","link":"#.utf8)
            writeString(link, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `Contact.json`'s text.
    private static func write(_ contact: Contact, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        writeString(contact.id, into: &out)
        out.append(contentsOf: #","name":"#.utf8)
        writeString(contact.name, into: &out)
        out.append(contentsOf: #","email":"#.utf8)
        writeString(contact.email, into: &out)
        out.append(contentsOf: #","phone":"#.utf8)
        writeString(contact.phone, into: &out)
        out.append(contentsOf: #","tags":["#.utf8)
        for (index, tag) in contact.tags.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(tag, into: &out)
        }
        out.append(contentsOf: #"],"consent_email":"#.utf8)
        out.append(contentsOf: (contact.consentEmail ? "true" : "false").utf8)
        out.append(contentsOf: #","consent_sms":"#.utf8)
        out.append(contentsOf: (contact.consentSMS ? "true" : "false").utf8)
        out.append(contentsOf: #","timezone":"#.utf8)
        writeString(contact.timezone, into: &out)
        out.append(contentsOf: #","locale":"#.utf8)
        writeString(contact.locale, into: &out)
        if !contact.fields.isEmpty {
            for key in contact.fields.keys.sorted() {
                out.append(UInt8(ascii: ","))
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                writeString(contact.fields[key]!, into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}
