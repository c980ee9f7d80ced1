import Foundation
import PlaybookChannels
import PlaybookEngine
import Testing

/// A Discord webhook as documented at
/// https://discord.com/developers/docs/resources/webhook#execute-webhook (POST, `wait=true`),
/// https://discord.com/developers/docs/resources/webhook#get-webhook-with-token (check),
/// https://discord.com/developers/docs/topics/opcodes-and-status-codes#json (10015, 50027, 50035)
/// and https://discord.com/developers/docs/topics/rate-limits (429 with JSON `retry_after`).
enum DiscordFake {
    static let path = "/api/webhooks/1100000000000000001/dIsCoRdWeBhOoKtOkEn-abc123"

    static func handler(_ play: Play, error: (Int, String)? = nil) -> LoopbackHTTPServer.Handler {
        { request in
            guard request.path == path else { return .reject("unexpected path \(request.path)") }
            if request.method == "GET" {
                if play == .notFound { return .json(404, #"{"message": "Unknown Webhook", "code": 10015}"#) }
                return .json(
                    200,
                    #"{"type": 1, "id": "1100000000000000001", "name": "Shop alerts", "channel_id": "987654321", "guild_id": "123456789", "token": "dIsCoRdWeBhOoKtOkEn-abc123"}"#
                )
            }
            guard request.method == "POST" else { return .reject("method \(request.method)") }
            guard request.query == ["wait": "true"] else { return .reject("query \(request.query)") }
            guard request.header("Content-Type") == "application/json" else { return .reject("content type") }
            guard let body = request.json, keys(body) == ["allowed_mentions", "content"], let content = body["content"] as? String, !content.isEmpty,
                let mentions = body["allowed_mentions"] as? [String: Any], (mentions["parse"] as? [Any])?.isEmpty == true
            else { return .reject("body \(request.text)") }
            if let error { return .json(error.0, error.1) }
            switch play {
            case .success: return .json(200, #"{"id": "1200000000000000002", "type": 0, "channel_id": "987654321", "content": "\#(content)"}"#)
            case .unauthorized: return .json(401, #"{"message": "Invalid Webhook Token", "code": 50027}"#)
            case .notFound: return .json(404, #"{"message": "Unknown Webhook", "code": 10015}"#)
            case .rateLimited:
                return .json(
                    429, #"{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}"#,
                    headers: [("Retry-After", "2"), ("X-RateLimit-Scope", "user"), ("X-RateLimit-Reset-After", "1.5")])
            case .serverError: return .json(502, #"{"message": "502: Bad Gateway", "code": 0}"#)
            case .hang: return .hang
            }
        }
    }

    /// The JSON `retry_after` (1.5 s) wins over the rounded `Retry-After` header (2 s).
    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "webhook token is invalid"),
        .notFound: Expected(retryable: false, after: nil, mentions: "webhook was deleted"),
        .rateLimited: Expected(retryable: true, after: 1.5...1.5, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct DiscordChannelTests {
    func channel(_ transport: HTTPTransport) -> DiscordChannel {
        DiscordChannel(name: "community", transport: transport, webhookURL: "https://discord.com" + DiscordFake.path, timeout: shortTimeout)
    }

    let secrets = ["dIsCoRdWeBhOoKtOkEn-abc123"]

    @Test func postsContentWithoutMentions() async throws {
        try await withFake(DiscordFake.handler(.success)) { server, transport in
            let receipt = try await channel(transport).send(.post("@everyone we are open", link: "https://shop.example"))
            #expect(receipt.providerID == "1200000000000000002")
            #expect(server.rejections == [])
            #expect(server.requests.first?.json?["content"] as? String == "@everyone we are open https://shop.example")
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(DiscordFake.handler(play)) { server, transport in
            expect(await failure { try await channel(transport).send(.post("hi")) }, DiscordFake.expected[play], secrets: secrets)
            #expect(server.rejections == [])
        }
    }

    @Test func overlongContentIsPermanent() async throws {
        let error =
            #"{"code": 50035, "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}, "message": "Invalid Form Body"}"#
        try await withFake(DiscordFake.handler(.success, error: (400, error))) { _, transport in
            expect(
                await failure { try await channel(transport).send(.post(String(repeating: "a", count: 2001))) },
                Expected(retryable: false, after: nil, mentions: "over Discord's limit"), secrets: secrets)
        }
    }

    @Test func checkReadsTheWebhook() async throws {
        try await withFake(DiscordFake.handler(.success)) { server, transport in
            let answer1 = try await channel(transport).check()
            #expect(answer1 == .ok("webhook \"Shop alerts\" in channel 987654321"))
            #expect(server.requests.map(\.method) == ["GET"])
        }
        try await withFake(DiscordFake.handler(.notFound)) { _, transport in
            expect(await failure { try await channel(transport).check() }, DiscordFake.expected[.notFound], secrets: secrets)
        }
    }
}
