import Foundation
import PlaybookCore
import Testing

/// What `watch --listen` answers to a request aimed at a webhook trigger.
@Suite struct WebhookRequestTests {
    static let endpoints = [
        WebhookRequest.Endpoint(trigger: "provider-webhook", path: "/hooks/email-provider-down", secret: "s3cret"),
        WebhookRequest.Endpoint(trigger: "open", path: "/hooks/open", secret: nil),
    ]
    static let body = Array(#"{"component":{"name":"Email delivery","status":"major_outage"}}"#.utf8)

    func verify(_ target: String, method: String = "POST", headers: [(name: String, value: String)] = [], body: [UInt8] = body) -> WebhookRequest.Verdict {
        WebhookRequest.verify(method: method, target: target, headers: headers, body: body, endpoints: Self.endpoints)
    }

    @Test func aSignedRequestFiresItsTriggerWithThePayload() throws {
        let signature = WebhookSignature.sign(Self.body, secret: "s3cret")
        let verdict = verify(
            "/hooks/email-provider-down?from=statuspage",
            headers: [("x-playbook-signature", " " + signature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="))])
        let payload = try #require(JSONValue.parse(String(decoding: Self.body, as: UTF8.self)))
        #expect(verdict == .accepted(trigger: "provider-webhook", payload: payload))
    }

    @Test func theSignatureIsHMACSHA256OfTheBody() {
        // As `printf '{}' | openssl dgst -sha256 -hmac s3cret` prints it.
        let expected = "sha256=adbde1ce40c89c14215687d5d762a47df6dfaefcfad61e2e86718ffc8498571b"
        #expect(WebhookSignature.sign(Array("{}".utf8), secret: "s3cret") == expected)
        #expect(
            WebhookSignature.verify(Array("{}".utf8), header: expected.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), secret: "s3cret")
                == .valid)
        #expect(WebhookSignature.verify(Array("{}".utf8), header: String(expected.dropLast()), secret: "s3cret") != .valid)
        #expect(WebhookSignature.verify(Array("{}".utf8), header: "sha256=z" + expected.dropFirst(8), secret: "s3cret") != .valid)
    }

    @Test(arguments: [
        ("POST", "/hooks/nowhere", [(String, String)](), 404),
        ("GET", "/hooks/open", [], 405),
        ("POST", "/hooks/email-provider-down", [], 401),
        ("POST", "/hooks/email-provider-down", [("X-Playbook-Signature", "sha256=00")], 401),
        ("POST", "/hooks/email-provider-down", [("X-Playbook-Signature", "md5=" + String(repeating: "0", count: 64))], 401),
        ("POST", "/hooks/email-provider-down", [("X-Playbook-Signature", "sha256=" + String(repeating: "0", count: 64))], 401),
    ])
    func refusals(method: String, target: String, headers: [(String, String)], status: Int) {
        guard case .rejected(let got, let reason) = verify(target, method: method, headers: headers.map { (name: $0.0, value: $0.1) }) else {
            Issue.record("accepted")
            return
        }
        #expect(got == status)
        #expect(!reason.contains("s3cret"))
    }

    @Test func twoSignaturesAreRefused() {
        let signature = WebhookSignature.sign(Self.body, secret: "s3cret")
        guard
            case .rejected(401, _) = verify("/hooks/email-provider-down", headers: [("X-Playbook-Signature", signature), ("x-playbook-signature", signature)])
        else {
            Issue.record("accepted two signatures")
            return
        }
    }

    @Test func bodies() {
        #expect(verify("/hooks/open", body: []) == .accepted(trigger: "open", payload: .null))
        #expect(verify("/hooks/open", body: Array("[1, \"a\"]".utf8)) == .accepted(trigger: "open", payload: .array([.number(1), .string("a")])))
        guard case .rejected(400, _) = verify("/hooks/open", body: Array("not json".utf8)) else {
            Issue.record("not JSON accepted")
            return
        }
        guard
            case .rejected(400, let reason) = verify(
                "/hooks/open", body: Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8))
        else {
            Issue.record("deep JSON accepted")
            return
        }
        #expect(reason.contains("nested deeper than 64"))
        // Brackets inside strings do not count as nesting.
        let quoted = "{\"a\":\"" + String(repeating: "[", count: 200) + "\"}"
        #expect(
            verify("/hooks/open", body: Array(quoted.utf8))
                == .accepted(trigger: "open", payload: .object([("a", .string(String(repeating: "[", count: 200)))])))
        guard case .rejected(413, _) = verify("/hooks/open", body: [UInt8](repeating: 0x20, count: (1 << 20) + 1)) else {
            Issue.record("huge body accepted")
            return
        }
    }

    @Test func endpointsResolveTheirSecrets() throws {
        let yaml = """
            version: 1
            playbook: hooks
            triggers:
              - { id: signed, webhook: { path: /hooks/a, secret: "${env.HOOK_SECRET}" } }
              - { id: open, webhook: { path: /hooks/b } }
              - { id: by-hand, manual: {} }
            steps: [{ id: note, log: { message: "{{ trigger.payload }}" } }]
            """
        let playbook = try #require(PlaybookLoader.check(bytes: Array(yaml.utf8), path: "hooks.yaml").playbook)
        #expect(
            try WebhookRequest.endpoints(of: playbook, environment: ["HOOK_SECRET": "k"])
                == [.init(trigger: "signed", path: "/hooks/a", secret: "k"), .init(trigger: "open", path: "/hooks/b", secret: nil)])
        #expect(throws: UnsetEnvironmentVariable.self) { try WebhookRequest.endpoints(of: playbook, environment: [:]) }
    }

    // MARK: - Timestamped signatures (replay protection)

    static let now: Int64 = 1_733_385_600

    /// Verifies against the signed endpoint at `now`, remembering signatures in `seen`.
    func verify(signature: String?, timestamp: String?, at now: Int64 = now, seen: inout SeenSignatures) -> WebhookRequest.Verdict {
        var headers: [(name: String, value: String)] = []
        if let signature { headers.append((WebhookSignature.header, signature)) }
        if let timestamp { headers.append(("x-playbook-timestamp", timestamp)) }
        return WebhookRequest.verify(
            method: "POST", target: "/hooks/email-provider-down", headers: headers, body: Self.body, endpoints: Self.endpoints, now: now,
            firstUse: { seen.firstUse($0, until: $1, now: now) })
    }

    @Test func aTimestampedSignatureIsAcceptedOnceWithinFiveMinutes() {
        var seen = SeenSignatures()
        let timestamp = String(Self.now - 100)
        let signature = WebhookSignature.sign(Self.body, timestamp: timestamp, secret: "s3cret")
        // As `printf '1733385500.%s' "$BODY" | openssl dgst -sha256 -hmac s3cret` prints it.
        #expect(signature == WebhookSignature.sign(Array("\(timestamp).".utf8) + Self.body, secret: "s3cret"))
        guard case .accepted(trigger: "provider-webhook", _) = verify(signature: signature, timestamp: timestamp, seen: &seen) else {
            Issue.record("a fresh timestamped signature was refused")
            return
        }
        // The same request again, a second later: a replay.
        guard case .rejected(401, let reason) = verify(signature: signature, timestamp: timestamp, at: Self.now + 1, seen: &seen) else {
            Issue.record("a replay was accepted")
            return
        }
        #expect(reason.contains("already accepted (a replay)"))
        // Its timestamp moved without re-signing: the signature no longer matches.
        guard case .rejected(401, let moved) = verify(signature: signature, timestamp: String(Self.now), seen: &seen) else {
            Issue.record("a signature was accepted for another timestamp")
            return
        }
        #expect(moved.contains("does not match"))
    }

    @Test(arguments: [-301, 301, -86_400, 10_000_000] as [Int64])
    func aTimestampOutsideTheWindowIsRefused(offset: Int64) {
        var seen = SeenSignatures()
        let timestamp = String(Self.now + offset)
        let signature = WebhookSignature.sign(Self.body, timestamp: timestamp, secret: "s3cret")
        guard case .rejected(401, let reason) = verify(signature: signature, timestamp: timestamp, seen: &seen) else {
            Issue.record("a timestamp \(offset) s away was accepted")
            return
        }
        #expect(reason.contains("more than 5 minutes from the listener's clock"))
        #expect(seen.count == 0)
    }

    @Test(arguments: [-300, 0, 300] as [Int64])
    func theWindowIsFiveMinutesEitherWay(offset: Int64) {
        var seen = SeenSignatures()
        let timestamp = String(Self.now + offset)
        let signature = WebhookSignature.sign(Self.body, timestamp: timestamp, secret: "s3cret")
        guard case .accepted = verify(signature: signature, timestamp: timestamp, seen: &seen) else {
            Issue.record("refused at \(offset) s")
            return
        }
    }

    @Test func aBodySignatureIsStillAcceptedAndNeverCountsAsAReplay() {
        var seen = SeenSignatures()
        let signature = WebhookSignature.sign(Self.body, secret: "s3cret")
        // Alertmanager-style senders sign the body alone and send the same alert again.
        for _ in 0..<3 {
            guard case .accepted = verify(signature: signature, timestamp: nil, seen: &seen) else {
                Issue.record("a body signature was refused")
                return
            }
        }
        // A timestamp beside a body signature is not covered by it, and changes nothing.
        guard case .accepted = verify(signature: signature, timestamp: "12", seen: &seen) else {
            Issue.record("a body signature beside a timestamp was refused")
            return
        }
        #expect(seen.count == 0)
    }

    @Test(arguments: ["", "soon", "-5", "1e9", "1733385600.5", "99999999999999"])
    func aMalformedTimestampIsRefused(timestamp: String) {
        var seen = SeenSignatures()
        let signature = WebhookSignature.sign(Self.body, timestamp: timestamp, secret: "s3cret")
        guard case .rejected(401, let reason) = verify(signature: signature, timestamp: timestamp, seen: &seen) else {
            Issue.record("'\(timestamp)' accepted")
            return
        }
        #expect(reason.contains("whole seconds since 1970"))
    }

    @Test func twoTimestampsAreRefused() {
        let timestamp = String(Self.now)
        let signature = WebhookSignature.sign(Self.body, timestamp: timestamp, secret: "s3cret")
        let verdict = WebhookRequest.verify(
            method: "POST", target: "/hooks/email-provider-down",
            headers: [(WebhookSignature.header, signature), (WebhookSignature.timestampHeader, timestamp), (WebhookSignature.timestampHeader, timestamp)],
            body: Self.body, endpoints: Self.endpoints, now: Self.now)
        #expect(verdict == .rejected(status: 401, reason: "more than one X-Playbook-Timestamp header"))
    }

    @Test func seenSignaturesAreForgottenOnceTheirWindowHasClosed() {
        var seen = SeenSignatures()
        var answers: [Bool] = []
        answers.append(seen.firstUse("a", until: 1_300, now: 1_000))
        answers.append(seen.firstUse("a", until: 1_300, now: 1_200))
        answers.append(seen.firstUse("b", until: 1_400, now: 1_100))
        // After the sweep interval, expired ones are gone; one still in its window stays.
        answers.append(seen.firstUse("c", until: 1_700, now: 1_350))
        #expect(seen.count == 2)
        answers.append(seen.firstUse("b", until: 1_400, now: 1_390))
        #expect(answers == [true, false, true, true, false])
    }
}
