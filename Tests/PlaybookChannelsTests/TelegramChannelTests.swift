import Foundation
import PlaybookChannels
import PlaybookEngine
import Testing

/// The Telegram Bot API as documented at https://core.telegram.org/bots/api#making-requests
/// (`/bot<token>/METHOD`, JSON bodies, the `{"ok": false, "error_code", "description",
/// "parameters"}` envelope), https://core.telegram.org/bots/api#sendmessage ,
/// https://core.telegram.org/bots/api#getme , https://core.telegram.org/bots/api#getchat and
/// https://core.telegram.org/bots/api#responseparameters (`retry_after`).
enum TelegramFake {
    static let token = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

    static func handler(_ play: Play, sendError: (Int, String)? = nil) -> LoopbackHTTPServer.Handler {
        { request in
            let prefix = "/bot\(token)/"
            guard request.path.hasPrefix(prefix) else { return play == .notFound ? notFound : .reject("path does not carry the token: \(request.path)") }
            let method = String(request.path.dropFirst(prefix.count))
            if let failure = failure(play) { return failure }
            switch (request.method, method) {
            case ("GET", "getMe"):
                return .json(200, #"{"ok": true, "result": {"id": 7123456789, "is_bot": true, "first_name": "Example Shop", "username": "example_shop_bot"}}"#)
            case ("POST", "getChat"):
                guard let body = request.json, keys(body) == ["chat_id"] else { return .reject("getChat body \(request.text)") }
                return .json(
                    200, #"{"ok": true, "result": {"id": -1001234567890, "title": "Example Shop news", "type": "channel", "username": "exampleshop"}}"#)
            case ("POST", "sendMessage"):
                guard request.header("Content-Type") == "application/json" else { return .reject("content type") }
                guard let body = request.json, keys(body) == ["chat_id", "text"], let text = body["text"] as? String, !text.isEmpty else {
                    return .reject("body \(request.text)")
                }
                guard body["chat_id"] is NSNumber || (body["chat_id"] as? String)?.hasPrefix("@") == true else {
                    return .reject("chat_id is neither an integer nor @name")
                }
                if let sendError { return .json(sendError.0, sendError.1) }
                return .json(200, #"{"ok": true, "result": {"message_id": 42, "date": 1633362000, "chat": {"id": 1, "type": "private"}, "text": "x"}}"#)
            default:
                return .reject("unexpected \(request.method) \(method)")
            }
        }
    }

    static let notFound = LoopbackHTTPServer.Reply.json(404, #"{"ok": false, "error_code": 404, "description": "Not Found"}"#)

    static func failure(_ play: Play) -> LoopbackHTTPServer.Reply? {
        switch play {
        case .success: return nil
        case .unauthorized: return .json(401, #"{"ok": false, "error_code": 401, "description": "Unauthorized"}"#)
        case .notFound: return notFound
        case .rateLimited:
            return .json(429, #"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 7", "parameters": {"retry_after": 7}}"#)
        case .serverError: return .respond(status: 502, headers: [("Content-Type", "text/html")], body: Array("<html><body>502 Bad Gateway</body></html>".utf8))
        case .hang: return .hang
        }
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "refused the bot token"),
        .notFound: Expected(retryable: false, after: nil, mentions: "does not know this bot token"),
        .rateLimited: Expected(retryable: true, after: 7...7, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct TelegramChannelTests {
    func channel(_ transport: HTTPTransport, chat: String? = "@exampleshop") -> TelegramChannel {
        TelegramChannel(name: "telegram", transport: transport, botToken: TelegramFake.token, chatID: chat, timeout: shortTimeout)
    }

    /// The token, and its secret half alone.
    let secrets = [TelegramFake.token, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"]

    @Test func postGoesToTheChannelsChat() async throws {
        try await withFake(TelegramFake.handler(.success)) { server, transport in
            let receipt = try await channel(transport).send(.post("We are open", link: "https://shop.example"))
            #expect(receipt.providerID == "42")
            #expect(server.rejections == [])
            let body = try #require(server.requests.first?.json)
            #expect(body["chat_id"] as? String == "@exampleshop")
            #expect(body["text"] as? String == "We are open https://shop.example")
        }
    }

    @Test func notifyGoesToTheContactsChatWithTheSubject() async throws {
        try await withFake(TelegramFake.handler(.success)) { server, transport in
            _ = try await channel(transport).send(.notify(to: "123456789", subject: "Still open", "Order at shop.example"))
            #expect(server.rejections == [])
            let body = try #require(server.requests.first?.json)
            #expect((body["chat_id"] as? NSNumber)?.int64Value == 123_456_789)
            #expect(body["text"] as? String == "Still open\n\nOrder at shop.example")
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(TelegramFake.handler(play)) { server, transport in
            expect(await failure { try await channel(transport).send(.post("hi")) }, TelegramFake.expected[play], secrets: secrets)
            #expect(server.rejections == [])
        }
    }

    @Test func unknownChatIsPermanent() async throws {
        let answer = (400, #"{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}"#)
        try await withFake(TelegramFake.handler(.success, sendError: answer)) { _, transport in
            expect(
                await failure { try await channel(transport).send(.notify(to: "555", "hi")) }, Expected(retryable: false, after: nil, mentions: "unknown chat"),
                secrets: secrets)
        }
    }

    @Test func overlongTextAndBlockedBotArePermanent() async throws {
        let long = (400, #"{"ok": false, "error_code": 400, "description": "Bad Request: message is too long"}"#)
        try await withFake(TelegramFake.handler(.success, sendError: long)) { _, transport in
            expect(
                await failure { try await channel(transport).send(.post("x")) }, Expected(retryable: false, after: nil, mentions: "over Telegram's limit"),
                secrets: secrets)
        }
        let blocked = (403, #"{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}"#)
        try await withFake(TelegramFake.handler(.success, sendError: blocked)) { _, transport in
            expect(
                await failure { try await channel(transport).send(.notify(to: "555", "x")) },
                Expected(retryable: false, after: nil, mentions: "blocked the bot"), secrets: secrets)
        }
    }

    @Test func checkAsksGetMeAndGetChat() async throws {
        try await withFake(TelegramFake.handler(.success)) { server, transport in
            let answer1 = try await channel(transport).check()
            #expect(answer1 == .ok("bot @example_shop_bot, chat Example Shop news"))
            #expect(server.requests.map(\.path) == ["/bot\(TelegramFake.token)/getMe", "/bot\(TelegramFake.token)/getChat"])
            #expect(server.rejections == [])
        }
        try await withFake(TelegramFake.handler(.unauthorized)) { _, transport in
            expect(await failure { try await channel(transport).check() }, TelegramFake.expected[.unauthorized], secrets: secrets)
        }
    }
}
