import Foundation
import PlaybookCore
import Testing

/// What `watch --listen` answers to a request aimed at a webhook trigger (§4).
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
}
