import PlaybookCore
import PlaybookEngine
import Testing

@testable import PlaybookChannels

/// The webhook's body bytes (and so its signature) are exactly the text `serialized()` gives.
@Suite struct JSONBytesTests {
    @Test func anEnvelopeWithEveryKindOfCharacterIsTheSameBytesAsItsText() {
        let value: JSONValue = .object([
            ("text", .string("Ciao \"Giulia\" \\ a\tb\nc\rd \u{1} \u{1F} é 日本 🚀")), ("n", .number(3)), ("x", .number(2.5)),
            ("big", .number(1e20)), ("none", .null), ("yes", .bool(true)), ("no", .bool(false)),
            ("list", .array([.string(""), .array([]), .object([])])), ("", .string("\u{7F}")),
        ])
        #expect(JSONBytes.encode(value) == Array(value.serialized().utf8))
    }

    @Test func generatedStringsAreTheSameBytesAsTheirText() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = (0..<0x80).map { Unicode.Scalar(UInt8($0)) } + ["é", "ß", "日", "🚀", "\u{2028}", "\u{FEFF}"]
        for _ in 0..<2_000 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
            let value: JSONValue = .object([(text, .string(text))])
            #expect(JSONBytes.encode(value) == Array(value.serialized().utf8), "\(text.debugDescription)")
        }
    }

    /// The envelope written straight into bytes is, member for member, `OutboundMessage.envelope`'s
    /// text: with and without a contact, subject, html and link; contacts with tags, extra fields
    /// (whose names sort), and every kind of character.
    @Test func anEnvelopeWrittenDirectlyIsTheBytesOfItsJSONValue() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = (0..<0x80).map { Unicode.Scalar(UInt8($0)) } + ["é", "日", "🚀", "\u{2028}"]
        func text() -> String {
            String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for round in 0..<1_000 {
            var fields: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &generator) { fields[text()] = text() }
            let contact = Contact(
                id: text(), name: text(), email: text(), phone: text(), tags: (0..<Int.random(in: 0...3, using: &generator)).map { _ in text() },
                consentEmail: Bool.random(using: &generator), consentSMS: Bool.random(using: &generator), timezone: text(), locale: text(),
                fields: fields)
            let message = OutboundMessage(
                playbook: text(), incident: text(), step: text(), action: round % 2 == 0 ? "notify" : "post", idempotencyKey: text(),
                contact: round % 3 == 0 ? nil : contact, address: text(), subject: Bool.random(using: &generator) ? text() : nil, text: text(),
                html: Bool.random(using: &generator) ? text() : nil, link: Bool.random(using: &generator) ? text() : nil)
            #expect(JSONBytes.envelope(of: message) == Array(message.envelope.serialized().utf8), "\(message)")
        }
    }
}
