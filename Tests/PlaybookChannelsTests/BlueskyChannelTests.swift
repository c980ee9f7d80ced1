import Foundation
import PlaybookChannels
import PlaybookEngine
import Testing

/// A Bluesky PDS as documented at https://docs.bsky.app/docs/api/com-atproto-server-create-session ,
/// https://docs.bsky.app/docs/api/com-atproto-server-refresh-session ,
/// https://docs.bsky.app/docs/api/com-atproto-repo-create-record ,
/// https://docs.bsky.app/docs/advanced-guides/post-richtext (link facets, UTF-8 byte offsets),
/// https://atproto.com/specs/xrpc#error-responses and
/// https://docs.bsky.app/docs/advanced-guides/rate-limits (429 with `ratelimit-reset`, epoch seconds).
final class BlueskyFake: Sendable {
    static let handle = "exampleshop.bsky.social"
    static let appPassword = "abcd-efgh-ijkl-mnop"
    static let did = "did:plc:z72i7hdynmk6r22z27h6tvur"

    struct State {
        var sessionsCreated = 0
        var refreshes = 0
        var issued = 0
        var access = ""
        var refresh = ""
        /// Access tokens that the fake now says have expired.
        var expired: Set<String> = []
        var records: [[String: Any]] = []
    }

    let play: Play
    /// The first createRecord with a fresh token answers ExpiredToken.
    let expireFirstAccess: Bool
    let sendError: (Int, String)?
    let state = Locked(State())

    init(_ play: Play, expireFirstAccess: Bool = false, sendError: (Int, String)? = nil) {
        self.play = play
        self.expireFirstAccess = expireFirstAccess
        self.sendError = sendError
    }

    var handler: LoopbackHTTPServer.Handler { { request in self.answer(request) } }

    private func issue(_ state: inout State) -> String {
        state.issued += 1
        state.access = "eyJhbGciOiJIUzI1NiJ9.access-\(state.issued)"
        state.refresh = "eyJhbGciOiJIUzI1NiJ9.refresh-\(state.issued)"
        return #"{"accessJwt": "\#(state.access)", "refreshJwt": "\#(state.refresh)", "handle": "\#(Self.handle)", "did": "\#(Self.did)", "active": true}"#
    }

    func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        guard request.method == "POST" else { return .reject("method \(request.method)") }
        switch play {
        case .success: break
        case .unauthorized: return .json(401, #"{"error": "AuthenticationRequired", "message": "Invalid identifier or password"}"#)
        case .notFound: return .respond(status: 404, headers: [("Content-Type", "text/plain")], body: Array("Not Found".utf8))
        case .rateLimited:
            return .json(
                429, #"{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}"#,
                headers: [("ratelimit-limit", "30"), ("ratelimit-remaining", "0"), ("ratelimit-reset", epoch(in: 60)), ("ratelimit-policy", "30;w=300")])
        case .serverError: return .json(500, #"{"error": "InternalServerError", "message": "Internal Server Error"}"#)
        case .hang: return .hang
        }
        switch request.path {
        case "/xrpc/com.atproto.server.createSession":
            guard request.header("Content-Type") == "application/json" else { return .reject("content type") }
            guard let body = request.json, keys(body) == ["identifier", "password"] else { return .reject("createSession body") }
            guard body["identifier"] as? String == Self.handle, body["password"] as? String == Self.appPassword else {
                return .json(401, #"{"error": "AuthenticationRequired", "message": "Invalid identifier or password"}"#)
            }
            return .json(
                200,
                state.withLock { state in
                    state.sessionsCreated += 1
                    return issue(&state)
                })
        case "/xrpc/com.atproto.server.refreshSession":
            return state.withLock { state in
                guard request.header("Authorization") == "Bearer \(state.refresh)" else {
                    return .json(400, #"{"error": "ExpiredToken", "message": "Token has expired"}"#)
                }
                state.refreshes += 1
                return .json(200, issue(&state))
            }
        case "/xrpc/com.atproto.repo.createRecord":
            guard request.header("Content-Type") == "application/json" else { return .reject("content type") }
            guard let body = request.json, keys(body) == ["collection", "record", "repo"], body["repo"] as? String == Self.did,
                body["collection"] as? String == "app.bsky.feed.post", let record = body["record"] as? [String: Any],
                record["$type"] as? String == "app.bsky.feed.post", let text = record["text"] as? String, !text.isEmpty,
                let createdAt = record["createdAt"] as? String, Self.parseDate(createdAt) != nil
            else { return .reject("createRecord body \(request.text)") }
            for facet in record["facets"] as? [[String: Any]] ?? [] {
                guard let index = facet["index"] as? [String: Any], let start = index["byteStart"] as? Int, let end = index["byteEnd"] as? Int,
                    let feature = (facet["features"] as? [[String: Any]])?.first, feature["$type"] as? String == "app.bsky.richtext.facet#link",
                    let uri = feature["uri"] as? String, end <= text.utf8.count, start < end,
                    String(decoding: Array(text.utf8)[start..<end], as: UTF8.self) == uri
                else { return .reject("facet does not cover its link: \(facet)") }
            }
            return state.withLock { state in
                guard request.header("Authorization") == "Bearer \(state.access)", !state.expired.contains(state.access) else {
                    return .json(400, #"{"error": "ExpiredToken", "message": "Token has expired"}"#)
                }
                if expireFirstAccess, state.refreshes == 0 {
                    state.expired.insert(state.access)
                    return .json(400, #"{"error": "ExpiredToken", "message": "Token has expired"}"#)
                }
                if let sendError { return .json(sendError.0, sendError.1) }
                state.records.append(record)
                return .json(200, #"{"uri": "at://\#(Self.did)/app.bsky.feed.post/3k2a4bcde5f6g", "cid": "bafyreib2rxk3rh6kzwq"}"#)
            }
        default:
            return .reject("unexpected \(request.path)")
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "refused the handle or app password"),
        .notFound: Expected(retryable: false, after: nil, mentions: "no AT Protocol service"),
        .rateLimited: Expected(retryable: true, after: 50...61, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct BlueskyChannelTests {
    func channel(_ transport: HTTPTransport) -> BlueskyChannel {
        BlueskyChannel(
            name: "bluesky", transport: transport, handle: "@" + BlueskyFake.handle, appPassword: BlueskyFake.appPassword, service: "https://pds.example/",
            timeout: shortTimeout)
    }

    @Test func signsInOnceAndPostsWithLinkFacets() async throws {
        let fake = BlueskyFake(.success)
        try await withFake(fake.handler) { server, transport in
            let bluesky = channel(transport)
            let receipt = try await bluesky.send(.post("Instagram is down, we are not — café: https://shop.example/a?b=1.", link: "https://shop.example/x"))
            _ = try await bluesky.send(.post("second post"))
            #expect(receipt.providerID == "at://\(BlueskyFake.did)/app.bsky.feed.post/3k2a4bcde5f6g")
            #expect(server.rejections == [])
            #expect(fake.state.current.sessionsCreated == 1)
            let first = try #require(fake.state.current.records.first)
            #expect(first["text"] as? String == "Instagram is down, we are not — café: https://shop.example/a?b=1. https://shop.example/x")
            let uris = (first["facets"] as? [[String: Any]] ?? []).compactMap { (($0["features"] as? [[String: Any]])?.first?["uri"]) as? String }
            #expect(uris == ["https://shop.example/a?b=1", "https://shop.example/x"])
        }
    }

    @Test func expiredAccessTokenIsRefreshedAndThePostSentAgain() async throws {
        let fake = BlueskyFake(.success, expireFirstAccess: true)
        try await withFake(fake.handler) { server, transport in
            _ = try await channel(transport).send(.post("hello"))
            #expect(server.rejections == [])
            #expect(fake.state.current.sessionsCreated == 1)
            #expect(fake.state.current.refreshes == 1)
            #expect(fake.state.current.records.count == 1)
            #expect(
                server.requests.map(\.path) == [
                    "/xrpc/com.atproto.server.createSession", "/xrpc/com.atproto.repo.createRecord",
                    "/xrpc/com.atproto.server.refreshSession", "/xrpc/com.atproto.repo.createRecord",
                ])
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        let fake = BlueskyFake(play)
        try await withFake(fake.handler) { server, transport in
            expect(await failure { try await channel(transport).send(.post("hi")) }, BlueskyFake.expected[play], secrets: [BlueskyFake.appPassword])
            #expect(server.rejections == [])
        }
    }

    @Test func overlongTextIsPermanent() async throws {
        let answer = (400, #"{"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"}"#)
        let fake = BlueskyFake(.success, sendError: answer)
        try await withFake(fake.handler) { _, transport in
            let failed = await failure { try await channel(transport).send(.post(String(repeating: "a", count: 301))) }
            expect(
                failed, Expected(retryable: false, after: nil, mentions: "over Bluesky's limit"),
                secrets: [BlueskyFake.appPassword, "eyJhbGciOiJIUzI1NiJ9.access-1"])
        }
    }

    @Test func checkSignsIn() async throws {
        try await withFake(BlueskyFake(.success).handler) { _, transport in
            let answer1 = try await channel(transport).check()
            #expect(answer1 == .ok("signed in as @\(BlueskyFake.handle) (\(BlueskyFake.did))"))
        }
        try await withFake(BlueskyFake(.unauthorized).handler) { _, transport in
            expect(await failure { try await channel(transport).check() }, BlueskyFake.expected[.unauthorized], secrets: [BlueskyFake.appPassword])
        }
    }
}
