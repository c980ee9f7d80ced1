import AsyncHTTPClient
import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

/// What the outbound side owes a user whatever a provider or a peer answers: no secret in a
/// message, however it was encoded or cut; no secret sent to a host a redirect names; no hidden
/// deadline shorter than the step's; files of customers' data private to their owner.
@Suite struct OutboundHardeningTests {
    /// Runs `body` with a transport on the client the live channels use (redirects, timeouts).
    func withLiveClient<T: Sendable>(baseURL: String? = nil, secrets: [String] = [], _ body: (HTTPTransport) async throws -> T) async throws -> T {
        let client = LiveChannels.makeClient()
        do {
            let result = try await body(HTTPTransport(client: client, baseURL: baseURL, secrets: secrets))
            await LiveChannels.shutdown(client)
            return result
        } catch {
            await LiveChannels.shutdown(client)
            throw error
        }
    }

    // MARK: Redirects

    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectIsNotFollowedAndTheFailureNamesBothHosts(_ status: Int) async throws {
        let accept: LoopbackHTTPServer.Handler = { _ in .text(200, "ok") }
        try await LoopbackHTTPServer.with(accept) { elsewhere in
            let redirect: LoopbackHTTPServer.Handler = { _ in .empty(status, headers: [("Location", elsewhere.baseURL + "/collect")]) }
            try await LoopbackHTTPServer.with(redirect) { provider in
                try await withLiveClient { transport in
                    let webhook = WebhookChannel(
                        name: "crm", transport: transport, url: provider.baseURL + "/hook", secret: "whsec_0123456789",
                        headers: [("X-Api-Key", "key-0123456789")])
                    let failed = await failure {
                        try await webhook.call(method: "POST", url: nil, body: .object([("email", .string("a@example.com"))]), idempotencyKey: "k1")
                    }
                    #expect(failed?.isRetryable == false)
                    #expect(
                        failed?.message.contains("\(provider.baseURL) answered HTTP \(status), a redirect to \(elsewhere.baseURL)") == true,
                        "\(failed?.message ?? "")")
                    #expect(provider.requests.count == 1)
                    #expect(elsewhere.requests.isEmpty, "the redirect was followed: headers, signature and body went to another host")
                }
            }
        }
    }

    // MARK: Timeouts

    /// A step that allows 20 s gets 20 s, even from an adapter whose own bound (for calls no step
    /// makes) is far shorter — as the 30 s default once cut a step's two minutes.
    @Test func theStepTimeoutReplacesTheAdaptersOwnBound() async throws {
        let slow: LoopbackHTTPServer.Handler = { _ in .after(seconds: 1, .text(200, "ok")) }
        try await withFake(slow) { server, transport in
            let slack = SlackChannel(name: "team", transport: transport, webhookURL: "https://hooks.slack.com/services/T1/B2/abcdefgh", timeout: 0.2)
            _ = try await CallTimeout.$seconds.withValue(20) { try await slack.send(.post("hello")) }
            #expect(server.requests.count == 1)
        }
    }

    @Test func theStepTimeoutStillBoundsASlowCall() async throws {
        // The server answers after 30 s; the step allows 0.3 s. The bound leaves room for a
        // machine busy with other tests and still tells the two apart.
        let slow: LoopbackHTTPServer.Handler = { _ in .after(seconds: 30, .text(200, "ok")) }
        try await withFake(slow) { _, transport in
            let slack = SlackChannel(name: "team", transport: transport, webhookURL: "https://hooks.slack.com/services/T1/B2/abcdefgh")
            let started = Date()
            let failed = await failure { try await CallTimeout.$seconds.withValue(0.3) { try await slack.send(.post("hello")) } }
            #expect(failed?.message.contains("in time") == true)
            #expect(Date().timeIntervalSince(started) < 25)
        }
    }

    /// AsyncHTTPClient's own connect timeout (10 s unless set) would cut a call the step allows
    /// longer; the live client's only ends attempts nobody waits for any more.
    @Test func theLiveClientHasNoConnectDeadlineShorterThanAStep() {
        let connect = LiveChannels.clientConfiguration.timeout.connect
        #expect(connect.map { $0 >= .minutes(10) } == true)
    }

    // MARK: Provider errors

    /// Meta quotes a malformed token back; with 150 characters before it, a cut at 200
    /// characters made before redaction left most of the token in the message.
    @Test func aTokenQuotedByTheProviderIsMaskedBeforeTheTextIsCut() async throws {
        let token = "EAAB" + String(repeating: "sbCS1iHgBAKZCZAZBZCxyz987654321", count: 8)
        let said = String(repeating: "Invalid OAuth access token signature. ", count: 4) + "Malformed access token \(token)"
        let body = #"{"error":{"message":"\#(said)","type":"OAuthException","code":190,"fbtrace_id":"A1"}}"#
        let refuse: LoopbackHTTPServer.Handler = { _ in .json(400, body) }
        try await withFake(refuse) { _, transport in
            let meta = MetaAdsChannel(name: "ads", transport: transport, adAccount: "1234567890", accessToken: token, apiVersion: "21.0", timeout: shortTimeout)
            let failed = try #require(await failure { try await meta.activeCampaigns(matching: .all) })
            #expect(failed.message.contains("[redacted]"), "\(failed.message)")
            expectNoFragments(of: token, in: failed.message)
            #expect(failed.message.contains("code 190"))
        }
    }

    /// Another secret of the playbook (here an ad account id from `${env.X}`) quoted by the
    /// provider is masked before the cut too: the transport carries every secret of the playbook.
    @Test func anotherSecretOfThePlaybookIsMaskedBeforeTheCut() async throws {
        let other = "act-secret-" + String(repeating: "7f3a9c", count: 30)
        let said = String(repeating: "x", count: 170) + " unknown object \(other)"
        let body = #"{"error":{"message":"\#(said)","code":100}}"#
        let refuse: LoopbackHTTPServer.Handler = { _ in .json(400, body) }
        try await LoopbackHTTPServer.with(refuse) { server in
            try await withLiveClient(baseURL: server.baseURL, secrets: [other]) { transport in
                let meta = MetaAdsChannel(name: "ads", transport: transport, adAccount: "1", accessToken: "EAAB-token-0123456789", apiVersion: "21.0")
                let failed = try #require(await failure { try await meta.activeCampaigns(matching: .all) })
                expectNoFragments(of: other, in: failed.message)
            }
        }
    }

    /// A provider that echoes the Authorization header it refused: base64 of `sid:token`.
    @Test func aBasicAuthHeaderEchoedBackIsMasked() async throws {
        let sid = "AC0123456789abcdef0123456789abcdef"
        let token = "twilio-auth-token-5f2b9c7e"
        let echo: LoopbackHTTPServer.Handler = { request in
            .json(403, #"{"code":20403,"message":"Authenticate: bad header \#(request.header("Authorization") ?? "")","status":403}"#)
        }
        try await withFake(echo) { _, transport in
            let twilio = TwilioChannel(name: "sms", transport: transport, accountSID: sid, authToken: token, from: "+390000000000", messagingServiceSID: nil)
            let failed = try #require(await failure { try await twilio.send(.notify(to: "+393331234567", "hi")) })
            #expect(failed.message.contains("bad header Basic"), "\(failed.message)")
            let encoded = Data("\(sid):\(token)".utf8).base64EncodedString()
            let own = String(Array(encoded)[(8 * (sid.utf8.count + 1) + 5) / 6..<8 * (sid.utf8.count + 1 + token.utf8.count) / 6])
            expectNoFragments(of: own, in: failed.message, length: 6)
        }
    }

    // MARK: Files

    @Test func aNewOutboxIsPrivateToItsOwner() async throws {
        let folder = TestScratch.root.appendingPathComponent("outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit/outbox.jsonl").path
        let outbox = FileChannel(name: "audit", path: path)
        _ = try await outbox.send(.notify(to: "giulia@example.com", "hi"))
        #expect(try Self.mode(path) == 0o600)
        #expect(try Self.mode((path as NSString).deletingLastPathComponent) == 0o700)
    }

    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777
    }
}

/// No run of `length` characters of `secret` appears in `text`.
func expectNoFragments(of secret: String, in text: String, length: Int = 8, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let characters = Array(secret)
    guard characters.count >= length else { return }
    for start in 0...(characters.count - length) {
        let fragment = String(characters[start..<start + length])
        if text.contains(fragment) {
            Issue.record("a fragment of a secret (\(fragment)) leaked into: \(text)", sourceLocation: sourceLocation)
            return
        }
    }
}
