import Foundation
import PlaybookChannels
import PlaybookEngine
import Testing

/// A Slack incoming webhook as documented at https://api.slack.com/messaging/webhooks
/// (request and plain-text error codes, #handling_errors) and
/// https://api.slack.com/apis/rate-limits (429 with Retry-After).
enum SlackFake {
    static let path = "/services/T0001ABCD/B0002EFGH/hookSecretXyZ9876543210"

    static func handler(_ play: Play, error: (Int, String)? = nil) -> LoopbackHTTPServer.Handler {
        { request in
            guard request.method == "POST", request.path == path else { return .reject("unexpected \(request.method) \(request.path)") }
            guard request.header("Content-Type") == "application/json" else { return .reject("content type \(request.header("Content-Type") ?? "none")") }
            guard let body = request.json, keys(body) == ["text"], let text = body["text"] as? String, !text.isEmpty else {
                return .reject("body is not {\"text\"}: \(request.text)")
            }
            if let error { return .text(error.0, error.1) }
            switch play {
            case .success: return .text(200, "ok")
            case .unauthorized: return .text(403, "invalid_token")
            case .notFound: return .text(404, "no_service")
            case .rateLimited: return .text(429, "rate_limited", headers: [("Retry-After", "30")])
            case .serverError: return .text(500, "")
            case .hang: return .hang
            }
        }
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "deleted or revoked"),
        .notFound: Expected(retryable: false, after: nil, mentions: "deleted or revoked"),
        .rateLimited: Expected(retryable: true, after: 30...30, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct SlackChannelTests {
    func channel(_ server: LoopbackHTTPServer, _ transport: HTTPTransport) -> SlackChannel {
        SlackChannel(name: "team", transport: transport, webhookURL: "https://hooks.slack.com" + SlackFake.path, timeout: shortTimeout)
    }

    /// The webhook URL's path is the credential.
    let secrets = ["hookSecretXyZ9876543210", SlackFake.path]

    @Test func postsTextWithTheLink() async throws {
        try await withFake(SlackFake.handler(.success)) { server, transport in
            _ = try await channel(server, transport).send(.post("We are open", link: "https://shop.example"))
            #expect(server.rejections == [])
            #expect(server.requests.first?.json?["text"] as? String == "We are open https://shop.example")
        }
    }

    /// Text from a trigger's payload cannot mention the channel or disguise a link.
    @Test func slackControlCharactersAreEscaped() async throws {
        try await withFake(SlackFake.handler(.success)) { server, transport in
            _ = try await channel(server, transport).send(.post("Down: <!channel> & <https://evil.example|shop.example>"))
            #expect(server.requests.first?.json?["text"] as? String == "Down: &lt;!channel&gt; &amp; &lt;https://evil.example|shop.example&gt;")
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(SlackFake.handler(play)) { server, transport in
            expect(await failure { try await channel(server, transport).send(.post("hi")) }, SlackFake.expected[play], secrets: secrets)
            #expect(server.rejections == [])
        }
    }

    @Test func archivedChannelIsPermanent() async throws {
        try await withFake(SlackFake.handler(.success, error: (410, "channel_is_archived"))) { server, transport in
            expect(
                await failure { try await channel(server, transport).send(.post("hi")) }, Expected(retryable: false, after: nil, mentions: "archived"),
                secrets: secrets)
        }
    }

    @Test func checkSaysItCannotWithoutPosting() async throws {
        try await withFake(SlackFake.handler(.success)) { server, transport in
            guard case .notChecked = try await channel(server, transport).check() else {
                Issue.record("expected notChecked")
                return
            }
            #expect(server.requests.isEmpty)
        }
    }
}
