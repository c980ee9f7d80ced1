import Foundation
import PlaybookCore
import Testing

/// The signed token of an approval link: it decides exactly one approval of one incident, until
/// its expiry, with the key that signed it; any changed byte is refused; it never shows itself in
/// a description.
@Suite struct ApprovalTokenTests {
    static let key = try! ApprovalKey(bytes: Array(repeating: 7, count: 32))
    static let otherKey = try! ApprovalKey(bytes: Array(repeating: 8, count: 32))
    static let incident = "meta-outage-20211004T153900Z"
    static let issued = TestPlaybooks.date("2021-10-04T15:39:00Z")
    static let expiry = issued.addingTimeInterval(20 * 60)

    static func token(incident: String = incident, step: String = "ask-owner", nonce: [UInt8]? = nil) -> ApprovalToken {
        ApprovalToken.issue(incident: incident, step: step, expiresAt: expiry, key: key, nonce: nonce)
    }

    static func verify(_ text: String, incident: String = incident, step: String = "ask-owner", key: ApprovalKey = key, now: Date = issued)
        -> Result<ApprovalToken, ApprovalToken.Refusal>
    {
        ApprovalToken.verify(text, incident: incident, step: step, key: key, now: now)
    }

    @Test func aTokenDecidesItsOwnApprovalBeforeItExpires() throws {
        let token = Self.token()
        let verified = try Self.verify(token.encoded).get()
        #expect(verified.incident == Self.incident)
        #expect(verified.step == "ask-owner")
        #expect(verified.expiresAt == Self.expiry)
        #expect(verified.id == token.id)
        let claimed = try #require(ApprovalToken.claimedScope(of: token.encoded))
        #expect(claimed.incident == Self.incident)
        #expect(claimed.step == "ask-owner")
    }

    @Test func anotherStepOrIncidentIsRefused() {
        let text = Self.token().encoded
        #expect(throws: ApprovalToken.Refusal.otherApproval) { try Self.verify(text, step: "ask-accountant").get() }
        #expect(throws: ApprovalToken.Refusal.otherApproval) { try Self.verify(text, incident: "meta-outage-20211004T153900Z-2").get() }
        #expect(throws: ApprovalToken.Refusal.otherApproval) { try Self.verify(text, incident: "", step: "").get() }
    }

    @Test func idsAreSignedWithTheirLengthsSoTheirBoundaryCannotMove() {
        let token = ApprovalToken.issue(incident: "ab", step: "c", expiresAt: Self.expiry, key: Self.key)
        #expect(throws: ApprovalToken.Refusal.otherApproval) {
            try ApprovalToken.verify(token.encoded, incident: "a", step: "bc", key: Self.key, now: Self.issued).get()
        }
    }

    /// Over many random scopes (a fixed seed, so a failure repeats): each token decides its own
    /// approval and no other of the set.
    @Test func eachOfManyTokensDecidesOnlyItsOwnApproval() throws {
        var generator = Seeded(seed: 2021_10_04)
        func slug() -> String {
            let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789-")
            return "a" + String((0..<Int.random(in: 0...40, using: &generator)).map { _ in letters.randomElement(using: &generator)! })
        }
        let scopes = (0..<40).map { _ in (incident: "\(slug())-20211004T153900Z", step: slug()) }
        let tokens = scopes.map { ApprovalToken.issue(incident: $0.incident, step: $0.step, expiresAt: Self.expiry, key: Self.key).encoded }
        for (index, text) in tokens.enumerated() {
            for (other, scope) in scopes.enumerated() {
                let verified = ApprovalToken.verify(text, incident: scope.incident, step: scope.step, key: Self.key, now: Self.issued)
                let same = scope.incident == scopes[index].incident && scope.step == scopes[index].step
                if case .success = verified { #expect(same, "token \(index) decided approval \(other)") } else { #expect(!same) }
            }
        }
    }

    @Test func anExpiredTokenIsRefusedFromItsExpiryOn() throws {
        let text = Self.token().encoded
        _ = try Self.verify(text, now: Self.expiry.addingTimeInterval(-1)).get()
        #expect(throws: ApprovalToken.Refusal.expired(at: Self.expiry)) { try Self.verify(text, now: Self.expiry).get() }
        #expect(throws: ApprovalToken.Refusal.expired(at: Self.expiry)) { try Self.verify(text, now: Self.expiry.addingTimeInterval(86_400)).get() }
    }

    @Test func anotherKeyIsRefused() {
        #expect(throws: ApprovalToken.Refusal.badSignature) { try Self.verify(Self.token().encoded, key: Self.otherKey).get() }
    }

    /// Every single bit flipped anywhere in the token is refused: in the version, the expiry
    /// (which could otherwise extend the link), the nonce, the ids or the signature.
    @Test func everyTamperedBitIsRefused() throws {
        let text = Self.token().encoded
        let bytes = try #require(Self.decode(text))
        var accepted: [Int] = []
        for index in bytes.indices {
            for bit in 0..<8 {
                var tampered = bytes
                tampered[index] ^= 1 << bit
                if case .success = Self.verify(Self.encode(tampered), now: Self.issued) { accepted.append(index) }
            }
        }
        #expect(accepted.isEmpty)
    }

    @Test(arguments: ["", "!!!!", "AAAA", "a b", String(repeating: "A", count: 5_000)])
    func garbageIsMalformed(_ text: String) {
        #expect(throws: ApprovalToken.Refusal.malformed) { try Self.verify(text).get() }
        #expect(ApprovalToken.claimedScope(of: text) == nil)
    }

    @Test func cutOrPaddedTokensAreMalformed() {
        let text = Self.token().encoded
        #expect(throws: ApprovalToken.Refusal.malformed) { try Self.verify(String(text.dropLast())).get() }
        #expect(throws: ApprovalToken.Refusal.malformed) { try Self.verify(text + "A").get() }
        #expect(throws: ApprovalToken.Refusal.malformed) { try Self.verify(text + "=").get() }
    }

    @Test func theTokenIsURLSafeAndHasOneSpelling() throws {
        for _ in 0..<50 {
            let text = Self.token().encoded
            #expect(text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            #expect(text.utf8.count < 200)
        }
        // This token is 88 bytes, not a multiple of 3: its last character carries 4 spare bits,
        // and a text that sets one decodes to the same bytes but is not the token's spelling.
        let text = Self.token(step: "s").encoded
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = alphabet.firstIndex(of: text.last!)!
        let sibling = String(text.dropLast()) + String(alphabet[last ^ 1])
        #expect(throws: ApprovalToken.Refusal.malformed) { try Self.verify(sibling, step: "s").get() }
    }

    @Test func twoLinksForTheSameApprovalDiffer() {
        let first = Self.token()
        let second = Self.token()
        #expect(first.id != second.id, "a fresh nonce each time: spending one link does not spend the other")
        #expect(first.encoded != second.encoded)
        #expect(first.id.count == 32)
    }

    @Test func descriptionsNeverShowTheToken() {
        let token = Self.token(nonce: Array(repeating: 0xab, count: 16))
        let secret = token.encoded
        let shown = [
            token.description, token.debugDescription, "\(token)", String(reflecting: token),
            {
                var out = ""
                dump(token, to: &out)
                return out
            }(),
        ]
        for text in shown {
            #expect(!text.contains(secret))
            #expect(!text.contains(String(secret.suffix(20))), "nor the signature at its end")
        }
        #expect(
            token.description
                == "ApprovalToken(incident: meta-outage-20211004T153900Z, step: ask-owner, expires: 2021-10-04T15:59:00Z, id: \(String(repeating: "ab", count: 16)))"
        )
        let key = Self.key
        #expect("\(key)" == "ApprovalKey(redacted)")
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("7"))
    }

    @Test func aKeyIsAtLeast256Bits() throws {
        #expect(throws: ApprovalKey.TooShort.self) { try ApprovalKey(bytes: Array(repeating: 1, count: 31)) }
        let generated = ApprovalKey.generate()
        #expect(generated.bytes.count == 32)
        let restored = try ApprovalKey(bytes: generated.bytes)
        let token = ApprovalToken.issue(incident: "i", step: "s", expiresAt: Self.expiry, key: generated)
        #expect(throws: Never.self) { try ApprovalToken.verify(token.encoded, incident: "i", step: "s", key: restored, now: Self.issued).get() }
    }

    // MARK: - Constant time

    /// Timing cannot be measured reliably in a unit test on a loaded machine, so these pin the
    /// behaviour of the comparison the verifier uses: it answers like `==` on bytes whatever
    /// the position of the difference, and different lengths are simply unequal.
    @Test func constantTimeComparisonAnswersLikeEquality() {
        let mac: [UInt8] = (0..<32).map { UInt8($0 * 7 % 256) }
        #expect(ConstantTime.equal(mac, mac))
        #expect(ConstantTime.equal(mac[...], mac))
        for index in mac.indices {
            var other = mac
            other[index] ^= 0x80
            #expect(!ConstantTime.equal(mac, other), "a difference at byte \(index)")
        }
        #expect(!ConstantTime.equal(mac, Array(mac.dropLast())))
        #expect(!ConstantTime.equal(mac, mac + [0]))
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
    }

    // MARK: - Helpers

    static func decode(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }

    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A small deterministic generator (SplitMix64) for tests that want random data they can repeat.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
