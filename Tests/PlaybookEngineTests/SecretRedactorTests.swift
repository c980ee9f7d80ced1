import Foundation
import PlaybookCore
import PlaybookEngine
import Testing

/// Every spelling a secret takes on its way to a provider is masked, and text is cut only after
/// it was redacted.
struct SecretRedactorTests {
    /// A token with the characters encoders treat differently: `/`, `+`, a space, `"`, `é`.
    static let token = "EAAB/zx+9 q\"é-Tok3n"
    static let redactor = SecretRedactor(secrets: [token, "AC0123456789"])

    /// How the token travels, each as a provider might echo it back.
    static let spellings: [(String, String)] = [
        ("raw", token),
        ("percent-encoded, upper-case hex", "EAAB%2Fzx%2B9%20q%22%C3%A9-Tok3n"),
        ("percent-encoded, lower-case hex", "EAAB%2fzx%2b9%20q%22%c3%a9-Tok3n"),
        ("form-encoded, + for a space", "EAAB%2Fzx%2B9+q%22%C3%A9-Tok3n"),
        ("query-encoded by URLComponents", token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!),
        ("JSON-escaped", #"EAAB/zx+9 q\"é-Tok3n"#),
        ("JSON-escaped with \\/ and \\u", #"EAAB\/zx+9 q\"\u00e9-Tok3n"#),
        ("JSON-escaped, upper-case \\u", #"EAAB/zx+9 q\"\u00E9-Tok3n"#),
        ("base64 alone", Data(token.utf8).base64EncodedString()),
    ]

    @Test(arguments: spellings)
    func masksEverySpellingOfASecret(_ name: String, _ spelling: String) {
        let text = "provider said: invalid token \(spelling) (code 190)"
        let clean = Self.redactor.redact(text)
        #expect(clean == "provider said: invalid token [redacted] (code 190)", "\(name)")
    }

    /// Twilio's basic auth (`sid:token`), SMTP's AUTH PLAIN (`\0user\0password`): the secret
    /// sits at any offset inside the encoded pair, and no run of the characters that encode only
    /// its bytes is left.
    @Test(arguments: ["AC0123456789:", "a:", "ab:", "\u{0}ops@example.com\u{0}"])
    func masksASecretInsideABase64Pair(_ prefix: String) {
        for secret in [Self.token, "AC0123456789"] {
            let encoded = Array(Data((prefix + secret).utf8).base64EncodedString())
            let before = prefix.utf8.count
            let length = secret.utf8.count
            let own = String(encoded[(8 * before + 5) / 6..<8 * (before + length) / 6])
            let clean = Self.redactor.redact("echoed Authorization: Basic \(String(encoded))")
            #expect(clean.contains("[redacted]"), "\(clean)")
            for fragment in Self.fragments(of: own, length: 6) { #expect(!clean.contains(fragment), "\(clean)") }
        }
    }

    @Test func cutsOnlyAfterRedacting() {
        let token = String(repeating: "EAABsbCS1iHgBAKZAZBZC", count: 10)
        let text = String(repeating: "x", count: 150) + " " + token + " trailing"
        let clean = SecretRedactor(secrets: [token]).redact(text, limit: 200)
        #expect(clean.hasSuffix("[redacted] trailing") || clean.contains("[redacted]"))
        for fragment in Self.fragments(of: token, length: 8) { #expect(!clean.contains(fragment)) }
        #expect(clean.count <= 201)
    }

    @Test func shortValuesAreNotMaskedSoTheyAreRefusedAtStart() {
        #expect(SecretRedactor.minimumLength == 4)
        #expect(SecretRedactor(secrets: ["abc"]).redact("abc and abcd") == "abc and abcd")
        #expect(SecretRedactor(secrets: ["abcd"]).redact("abc and abcd") == "abc and [redacted]")
    }

    @Test func addingSecretsMasksTheOldAndTheNew() {
        let playbook = SecretRedactor(secrets: ["playbook-secret-1"])
        let both = playbook.adding(["adapter-secret-2", "abc", "playbook-secret-1"])
        #expect(both.redact("playbook-secret-1 adapter-secret-2 abc") == "[redacted] [redacted] abc")
        #expect(both.redact(Data("adapter-secret-2".utf8).base64EncodedString()) == "[redacted]")
        #expect(playbook.redact("adapter-secret-2") == "adapter-secret-2")
    }

    @Test func overlappingSecretsBecomeOneMask() {
        let redactor = SecretRedactor(secrets: ["hunter22", "er22-and-more"])
        #expect(redactor.redact("x hunter22-and-more y") == "x [redacted] y")
        #expect(redactor.redact("nothing here") == "nothing here")
    }

    @Test func leavesTextWithoutSecretsAlone() {
        let text = "Grüße — 東京 \u{1F600} plain text"
        #expect(Self.redactor.redact(text) == text)
        #expect(SecretRedactor(secrets: []).redact(text) == text)
    }

    /// The JSON log is built from redacted values: a secret the serialiser would escape (`"`,
    /// `\`) is still found, and no mask lands inside an escape sequence.
    @Test func eventsAreRedactedBeforeTheyAreSerialised() throws {
        let secret = #"ab/cd"ef\gh-1234"#
        let redactor = SecretRedactor(secrets: [secret])
        let event = WatchEvent(
            time: Date(), name: "source_error", playbook: "p",
            fields: [("url", .string("https://x.example/?key=\(secret)")), ("list", .array([.string(secret)]))],
            message: "cannot read \(secret)")
        let line = event.redacted(by: redactor).json.serialized()
        #expect(!line.contains("cd\\\"ef") && !line.contains("ab/cd") && line.components(separatedBy: "[redacted]").count == 4, "\(line)")
        #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil)

        let progress = ProgressEvent.stepFinished(step: "s", status: .failed, detail: "refused \(secret)").redacted(by: redactor)
        #expect(progress == .stepFinished(step: "s", status: .failed, detail: "refused [redacted]"))
        #expect(ProgressEvent.log(step: nil, message: secret).redacted(by: redactor) == .log(step: nil, message: "[redacted]"))
    }

    /// Every substring of `text` of `length` characters.
    static func fragments(of text: String, length: Int) -> [String] {
        let characters = Array(text)
        guard characters.count >= length else { return [text] }
        return (0...(characters.count - length)).map { String(characters[$0..<$0 + length]) }
    }
}
