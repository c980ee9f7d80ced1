import PlaybookCore
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
}
