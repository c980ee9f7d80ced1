import Foundation
import PlaybookChannels
import PlaybookEngine
import Testing

/// The X API v2 as documented at https://docs.x.com/x-api/posts/create-post (POST /2/tweets,
/// Bearer user token, JSON `{"text"}`), https://docs.x.com/x-api/users/user-lookup-me (check),
/// https://docs.x.com/x-api/fundamentals/response-codes-and-errors (problem objects) and
/// https://docs.x.com/x-api/fundamentals/rate-limits (429 with `x-rate-limit-reset`, epoch seconds).
enum XFake {
    static let token = "VGhpc0lzQW5PQXV0aDJVc2VyVG9rZW4tMTIzNDU2Nzg5MA"

    static func handler(_ play: Play, sendError: (Int, String)? = nil) -> LoopbackHTTPServer.Handler {
        { request in
            guard request.header("Authorization") == "Bearer \(token)" else { return .reject("authorization header") }
            if let failure = failure(play) { return failure }
            switch (request.method, request.path) {
            case ("GET", "/2/users/me"):
                return .json(200, #"{"data": {"id": "2244994945", "name": "Example Shop", "username": "exampleshop"}}"#)
            case ("POST", "/2/tweets"):
                guard request.header("Content-Type") == "application/json" else { return .reject("content type") }
                guard let body = request.json, keys(body) == ["text"], (body["text"] as? String)?.isEmpty == false else {
                    return .reject("body \(request.text)")
                }
                if let sendError { return .json(sendError.0, sendError.1) }
                return .json(201, #"{"data": {"id": "1445880548472328192", "text": "hi", "edit_history_tweet_ids": ["1445880548472328192"]}}"#)
            default:
                return .reject("unexpected \(request.method) \(request.path)")
            }
        }
    }

    static func failure(_ play: Play) -> LoopbackHTTPServer.Reply? {
        switch play {
        case .success: return nil
        case .unauthorized: return .json(401, #"{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}"#)
        case .notFound:
            return .json(
                404, #"{"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found", "detail": "Not Found", "status": 404}"#)
        case .rateLimited:
            return .json(
                429, #"{"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}"#,
                headers: [("x-rate-limit-limit", "100"), ("x-rate-limit-remaining", "0"), ("x-rate-limit-reset", epoch(in: 900))])
        case .serverError: return .json(503, #"{"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503}"#)
        case .hang: return .hang
        }
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "refused the token"),
        .notFound: Expected(retryable: false, after: nil, mentions: "no X API"),
        // The reset is 900 s after the fake answers; a loaded machine may take a while to read it.
        .rateLimited: Expected(retryable: true, after: 600...901, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct XChannelTests {
    func channel(_ transport: HTTPTransport) -> XChannel {
        XChannel(name: "x", transport: transport, token: XFake.token, timeout: shortTimeout)
    }

    @Test func postsText() async throws {
        try await withFake(XFake.handler(.success)) { server, transport in
            let receipt = try await channel(transport).send(.post("We are open", link: "https://shop.example"))
            #expect(receipt.providerID == "1445880548472328192")
            #expect(server.rejections == [])
            #expect(server.requests.first?.json?["text"] as? String == "We are open https://shop.example")
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(XFake.handler(play)) { server, transport in
            expect(await failure { try await channel(transport).send(.post("hi")) }, XFake.expected[play], secrets: [XFake.token])
            #expect(server.rejections == [])
        }
    }

    @Test func duplicateIsPermanent() async throws {
        let answer = (
            403, #"{"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank", "title": "Forbidden", "status": 403}"#
        )
        try await withFake(XFake.handler(.success, sendError: answer)) { _, transport in
            expect(
                await failure { try await channel(transport).send(.post("hi")) }, Expected(retryable: false, after: nil, mentions: "duplicate"),
                secrets: [XFake.token])
        }
    }

    @Test func checkReadsTheUser() async throws {
        try await withFake(XFake.handler(.success)) { server, transport in
            let answer1 = try await channel(transport).check()
            #expect(answer1 == .ok("account @exampleshop"))
            #expect(server.rejections == [])
        }
        try await withFake(XFake.handler(.unauthorized)) { _, transport in
            expect(await failure { try await channel(transport).check() }, XFake.expected[.unauthorized], secrets: [XFake.token])
        }
    }
}
