import Foundation
import PlaybookChannels
import PlaybookEngine
import Testing

/// Twilio's Messages API as documented at
/// https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource (create)
/// and https://www.twilio.com/docs/iam/api/account#fetch-an-account-resource (check); error
/// objects per https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions .
enum TwilioFake {
    static let sid = "AC0123456789abcdef0123456789abcdef"
    static let token = "twilio-auth-token-5f2b9c7e"

    static func handler(_ play: Play, sendError: String? = nil) -> LoopbackHTTPServer.Handler {
        { request in
            guard request.header("Authorization") == basic(sid, token) else { return .reject("basic auth is not sid:token") }
            switch (request.method, request.path) {
            case ("GET", "/2010-04-01/Accounts/\(sid).json"):
                if play == .unauthorized { return unauthorized }
                return .json(200, #"{"sid": "\#(sid)", "friendly_name": "Example Shop", "status": "active", "type": "Full"}"#)
            case ("POST", "/2010-04-01/Accounts/\(sid)/Messages.json"):
                break
            default:
                return .reject("unexpected \(request.method) \(request.path)")
            }
            guard request.header("Content-Type") == "application/x-www-form-urlencoded" else {
                return .reject("content type \(request.header("Content-Type") ?? "none")")
            }
            let form = request.form
            let keys = Set(form.keys)
            guard keys == ["To", "From", "Body"] || keys == ["To", "MessagingServiceSid", "Body"] else { return .reject("form fields \(keys.sorted())") }
            guard let to = form["To"], to.range(of: #"^\+[1-9][0-9]{1,14}$"#, options: .regularExpression) != nil else { return .reject("To is not E.164") }
            guard let body = form["Body"], !body.isEmpty else { return .reject("empty Body") }
            if let sendError { return .json(400, sendError) }
            switch play {
            case .success:
                return .json(201, #"{"sid": "SM1234567890abcdef1234567890abcdef", "status": "queued", "to": "\#(to)", "body": "\#(body)"}"#)
            case .unauthorized: return unauthorized
            case .notFound:
                return .json(
                    404,
                    #"{"code": 20404, "message": "The requested resource /2010-04-01/Accounts/\#(sid)/Messages.json was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}"#
                )
            case .rateLimited:
                return .json(429, #"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#)
            case .serverError:
                return .json(
                    500,
                    #"{"code": 20500, "message": "An internal server error has occurred", "more_info": "https://www.twilio.com/docs/errors/20500", "status": 500}"#
                )
            case .hang: return .hang
            }
        }
    }

    static let unauthorized = LoopbackHTTPServer.Reply.json(
        401, #"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#,
        headers: [("WWW-Authenticate", #"Basic realm="Twilio API""#)])

    /// Twilio sends no retry hint with 20429: the engine's own backoff applies.
    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "refused the account SID or auth token"),
        .notFound: Expected(retryable: false, after: nil, mentions: "does not know this account"),
        .rateLimited: Expected(retryable: true, after: nil, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct TwilioChannelTests {
    func channel(_ transport: HTTPTransport, from: String? = "+390000000000", service: String? = nil) -> TwilioChannel {
        TwilioChannel(
            name: "sms", transport: transport, accountSID: TwilioFake.sid, authToken: TwilioFake.token, from: from, messagingServiceSID: service,
            timeout: shortTimeout)
    }

    @Test func sendsTheDocumentedForm() async throws {
        try await withFake(TwilioFake.handler(.success)) { server, transport in
            let receipt = try await channel(transport).send(.notify(to: "+393331234567", subject: "ignored in SMS", "We're open: https://shop.example"))
            #expect(receipt.providerID == "SM1234567890abcdef1234567890abcdef")
            #expect(server.rejections == [])
            let form = try #require(server.requests.first).form
            #expect(form == ["To": "+393331234567", "From": "+390000000000", "Body": "We're open: https://shop.example"])
        }
    }

    @Test func messagingServiceReplacesFrom() async throws {
        try await withFake(TwilioFake.handler(.success)) { server, transport in
            _ = try await channel(transport, from: nil, service: "MG0123456789abcdef0123456789abcdef").send(.notify(to: "+15005550006", "hi"))
            #expect(server.rejections == [])
            #expect(server.requests.first?.form["MessagingServiceSid"] == "MG0123456789abcdef0123456789abcdef")
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(TwilioFake.handler(play)) { server, transport in
            let failed = await failure { try await channel(transport).send(.notify(to: "+393331234567", "hi")) }
            expect(failed, TwilioFake.expected[play], secrets: [TwilioFake.token])
            #expect(server.rejections == [])
        }
    }

    @Test func unsubscribedRecipientIsPermanent() async throws {
        let error =
            #"{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}"#
        try await withFake(TwilioFake.handler(.success, sendError: error)) { server, transport in
            let failed = await failure { try await channel(transport).send(.notify(to: "+393331234567", "hi")) }
            expect(failed, Expected(retryable: false, after: nil, mentions: "unsubscribed"), secrets: [TwilioFake.token])
            #expect(failed?.message.contains("21610") == true)
        }
    }

    @Test func overlongBodyIsPermanent() async throws {
        let error =
            #"{"code": 21617, "message": "The concatenated message body exceeds the 1600 character limit", "more_info": "https://www.twilio.com/docs/errors/21617", "status": 400}"#
        try await withFake(TwilioFake.handler(.success, sendError: error)) { _, transport in
            let failed = await failure { try await channel(transport).send(.notify(to: "+393331234567", String(repeating: "a", count: 1700))) }
            expect(failed, Expected(retryable: false, after: nil, mentions: "over Twilio's limit"), secrets: [TwilioFake.token])
        }
    }

    @Test func checkReadsTheAccount() async throws {
        try await withFake(TwilioFake.handler(.success)) { server, transport in
            let answer1 = try await channel(transport).check()
            #expect(answer1 == .ok("account \"Example Shop\" (active)"))
            #expect(server.rejections == [])
        }
        try await withFake(TwilioFake.handler(.unauthorized)) { _, transport in
            expect(await failure { try await channel(transport).check() }, TwilioFake.expected[.unauthorized], secrets: [TwilioFake.token])
        }
    }
}
