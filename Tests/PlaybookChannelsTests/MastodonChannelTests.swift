import Foundation
import PlaybookChannels
import PlaybookEngine
import Testing

/// The Mastodon API as documented at https://docs.joinmastodon.org/methods/statuses/#create
/// (Bearer token, `Idempotency-Key`, `status`, `visibility`),
/// https://docs.joinmastodon.org/methods/accounts/#verify_credentials (check),
/// https://docs.joinmastodon.org/entities/Error/ and https://docs.joinmastodon.org/api/rate-limits/
/// (429 with `X-RateLimit-Reset` as an ISO 8601 time).
enum MastodonFake {
    static let token = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"

    static func handler(_ play: Play, sendError: (Int, String)? = nil) -> LoopbackHTTPServer.Handler {
        { request in
            guard request.header("Authorization") == "Bearer \(token)" else { return .reject("authorization header") }
            if let failure = failure(play) { return failure }
            switch (request.method, request.path) {
            case ("GET", "/api/v1/accounts/verify_credentials"):
                return .json(200, #"{"id": "14715", "username": "exampleshop", "acct": "exampleshop", "display_name": "Example Shop"}"#)
            case ("POST", "/api/v1/statuses"):
                guard request.header("Content-Type") == "application/json" else { return .reject("content type") }
                guard let key = request.header("Idempotency-Key"), !key.isEmpty else { return .reject("no Idempotency-Key") }
                guard let body = request.json, keys(body) == ["status", "visibility"], (body["status"] as? String)?.isEmpty == false,
                    ["public", "unlisted", "private", "direct"].contains(body["visibility"] as? String ?? "")
                else { return .reject("body \(request.text)") }
                if let sendError { return .json(sendError.0, sendError.1) }
                return .json(200, #"{"id": "103704874086360371", "url": "https://mastodon.example/@exampleshop/103704874086360371", "visibility": "public"}"#)
            default:
                return .reject("unexpected \(request.method) \(request.path)")
            }
        }
    }

    static func failure(_ play: Play) -> LoopbackHTTPServer.Reply? {
        switch play {
        case .success: return nil
        case .unauthorized: return .json(401, #"{"error": "The access token is invalid"}"#)
        case .notFound: return .json(404, #"{"error": "Record not found"}"#)
        case .rateLimited:
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let reset = formatter.string(from: Date().addingTimeInterval(120))
            return .json(
                429, #"{"error": "Too many requests"}"#, headers: [("X-RateLimit-Limit", "300"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset)])
        case .serverError: return .json(503, #"{"error": "Service Unavailable"}"#)
        case .hang: return .hang
        }
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "refused the access token"),
        .notFound: Expected(retryable: false, after: nil, mentions: "no Mastodon API at https://mastodon.example"),
        .rateLimited: Expected(retryable: true, after: 100...121, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct MastodonChannelTests {
    func channel(_ transport: HTTPTransport, visibility: String? = nil) -> MastodonChannel {
        MastodonChannel(
            name: "mastodon", transport: transport, instance: "https://mastodon.example/", token: MastodonFake.token, visibility: visibility,
            timeout: shortTimeout)
    }

    @Test func postsAStatusWithTheIdempotencyKey() async throws {
        try await withFake(MastodonFake.handler(.success)) { server, transport in
            let receipt = try await channel(transport, visibility: "unlisted").send(
                .post("We are open", link: "https://shop.example", key: "inc-7/speak/mastodon"))
            #expect(receipt.providerID == "103704874086360371")
            #expect(server.rejections == [])
            let request = try #require(server.requests.first)
            #expect(request.header("Idempotency-Key") == "inc-7/speak/mastodon")
            #expect(request.json?["status"] as? String == "We are open https://shop.example")
            #expect(request.json?["visibility"] as? String == "unlisted")
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(MastodonFake.handler(play)) { server, transport in
            expect(await failure { try await channel(transport).send(.post("hi")) }, MastodonFake.expected[play], secrets: [MastodonFake.token])
            #expect(server.rejections == [])
        }
    }

    @Test func overTheInstanceLimitIsPermanent() async throws {
        let answer = (422, #"{"error": "Validation failed: Text character limit of 500 exceeded"}"#)
        try await withFake(MastodonFake.handler(.success, sendError: answer)) { _, transport in
            expect(
                await failure { try await channel(transport).send(.post(String(repeating: "a", count: 501))) },
                Expected(retryable: false, after: nil, mentions: "over the instance's length limit"), secrets: [MastodonFake.token])
        }
    }

    @Test func checkVerifiesCredentials() async throws {
        try await withFake(MastodonFake.handler(.success)) { server, transport in
            let answer1 = try await channel(transport).check()
            #expect(answer1 == .ok("account @exampleshop on https://mastodon.example"))
            #expect(server.rejections == [])
        }
        try await withFake(MastodonFake.handler(.unauthorized)) { _, transport in
            expect(await failure { try await channel(transport).check() }, MastodonFake.expected[.unauthorized], secrets: [MastodonFake.token])
        }
    }
}
