import Foundation
import NIOHTTP1
import PlaybookEngine
import Testing

@testable import PlaybookChannels

/// The lean keep-alive client that carries the `webhook` channel's plain-http calls: what it puts
/// on the wire, how it reuses and replaces connections, and that the hardening rules of the
/// other HTTP path hold on it (timeouts, no redirects, errors that name the host only).
@Suite struct KeepAliveHTTPClientTests {
    /// Runs `body` with a transport whose plain-http calls go through a keep-alive client.
    func withKeepAlive<T: Sendable>(_ handler: @escaping LoopbackHTTPServer.Handler, _ body: (LoopbackHTTPServer, HTTPTransport) async throws -> T) async throws
        -> T
    {
        try await LoopbackHTTPServer.with(handler) { server in
            try await HTTPTransport.with(baseURL: nil) { plain in
                let keepAlive = KeepAliveHTTPClient()
                let transport = HTTPTransport(client: plain.client, baseURL: nil, secrets: [], keepAlive: keepAlive)
                let result = try await body(server, transport)
                await keepAlive.shutdown()
                return result
            }
        }
    }

    /// Calls that should succeed get a step time no busy machine runs out of; the silent-server
    /// test gives a short one on purpose.
    static let callTimeout = 30.0

    func post(
        _ transport: HTTPTransport, _ url: String, _ body: String = #"{"ok":true}"#, timeout: Double = KeepAliveHTTPClientTests.callTimeout
    ) async throws -> HTTPTransport.Response {
        try await CallTimeout.$seconds.withValue(timeout) {
            try await transport.send(.POST, url, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        }
    }

    @Test func theWebhookChannelSendsTheSignedEnvelopeOverIt() async throws {
        try await withKeepAlive(WebhookFake.handler(.success)) { server, transport in
            let channel = WebhookChannel(
                name: "crm", transport: transport, url: server.baseURL + WebhookFake.path, secret: WebhookFake.secret, headers: [("X-Shop", "rome")])
            let message = OutboundMessage(
                playbook: "meta-outage", incident: "i1", step: "warn", action: "notify", idempotencyKey: "i1/warn/c1/crm",
                contact: WebhookChannelTests.contact, address: "c1", subject: "We're open", text: "Hi Giulia")
            _ = try await CallTimeout.$seconds.withValue(Self.callTimeout) { try await channel.send(message) }
            #expect(server.rejections.isEmpty)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.header("Host") == "127.0.0.1:\(server.port)")
            #expect(request.header("Idempotency-Key") == "i1/warn/c1/crm")
            #expect(request.header("User-Agent") == HTTPTransport.userAgent)
            #expect(request.header("Content-Length") == String(request.body.count))
            #expect(request.header("Transfer-Encoding") == nil)
            #expect(request.json?["text"] as? String == "Hi Giulia")
        }
    }

    @Test func pathQueryAndAnswerComeThroughIntact() async throws {
        try await withKeepAlive({ _ in .json(201, #"{"id":"42"}"#, headers: [("X-Request-Id", "r-1")]) }) { server, transport in
            let response = try await post(transport, server.baseURL + "/hooks/a%20b?team=ops&x=1")
            #expect(response.status == 201)
            #expect(response.text == #"{"id":"42"}"#)
            #expect(response.header("X-Request-Id") == "r-1")
            #expect(server.requests.first?.uri == "/hooks/a%20b?team=ops&x=1")
            #expect(server.requests.first?.text == #"{"ok":true}"#)
        }
    }

    @Test func aBodilessPostSaysItsLengthIsZero() async throws {
        try await withKeepAlive({ _ in .empty(204) }) { server, transport in
            _ = try await CallTimeout.$seconds.withValue(Self.callTimeout) { try await transport.send(.POST, server.baseURL + "/ping") }
            #expect(server.requests.first?.header("Content-Length") == "0")
            #expect(server.requests.first?.header("Transfer-Encoding") == nil)
        }
    }

    @Test func aHeaderValueWithALineBreakIsAPermanentFailureAndNothingIsSent() async throws {
        try await withKeepAlive({ _ in .empty(200) }) { server, transport in
            await #expect {
                try await CallTimeout.$seconds.withValue(Self.callTimeout) {
                    try await transport.send(.POST, server.baseURL + "/hook", headers: [("X-Token", "s3cret-value\r\nX-Admin: yes")], body: [])
                }
            } throws: { error in
                guard let failure = error as? ChannelFailure, !failure.isRetryable else { return false }
                return failure.message.contains("'X-Token'") && !failure.message.contains("s3cret-value")
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test func anHTTPSCallRefusesTheSameFieldTheSameWay() async throws {
        _ = try await withKeepAlive({ _ in .empty(200) }) { _, transport in
            await #expect {
                try await CallTimeout.$seconds.withValue(Self.callTimeout) {
                    try await transport.send(.POST, "https://127.0.0.1:9/hook", headers: [("X-Token", "s3cret-value\nX-Admin: yes")], body: [])
                }
            } throws: { error in
                guard let failure = error as? ChannelFailure, !failure.isRetryable else { return false }
                return failure.message == "cannot call https://127.0.0.1:9: the header field 'X-Token' cannot be sent: a name must be a token and a value may hold no line break or other control character"
            }
        }
    }

    @Test func sequentialCallsReuseOneConnection() async throws {
        try await withKeepAlive({ _ in .empty(200) }) { server, transport in
            for _ in 0..<20 { _ = try await post(transport, server.baseURL + "/hook") }
            #expect(server.requests.count == 20)
            #expect(Set(server.requests.map(\.peer)).count == 1)
        }
    }

    @Test func concurrentCallsOpenNoMoreConnectionsThanCallsInFlight() async throws {
        try await withKeepAlive({ _ in .after(seconds: 0.01, .empty(200)) }) { server, transport in
            for _ in 0..<5 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 { group.addTask { _ = try await post(transport, server.baseURL + "/hook") } }
                    try await group.waitForAll()
                }
            }
            #expect(server.requests.count == 40)
            #expect(Set(server.requests.map(\.peer)).count <= 8)
        }
    }

    @Test func aServerThatClosesAfterEachAnswerGetsAFreshConnectionEachTime() async throws {
        try await withKeepAlive({ _ in .empty(200, headers: [("Connection", "close")]) }) { server, transport in
            for _ in 0..<3 {
                let status = try await post(transport, server.baseURL + "/hook").status
                #expect(status == 200)
            }
            #expect(Set(server.requests.map(\.peer)).count == 3)
        }
    }

    /// The race of a server closing an idle keep-alive connection as a request goes out on it:
    /// the request was not answered, so it is sent once more on a new connection.
    @Test func aRequestOnAConnectionTheServerDroppedIsSentAgainOnANewOne() async throws {
        let script = """
            import socket
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(4)
            print(s.getsockname()[1], flush=True)
            def read_request(c):
                data = b""
                while b"\\r\\n\\r\\n" not in data:
                    chunk = c.recv(4096)
                    if not chunk: return None
                    data += chunk
                head, _, rest = data.partition(b"\\r\\n\\r\\n")
                length = [int(l.split(b":")[1]) for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length")][0]
                while len(rest) < length: rest += c.recv(4096)
                return head
            ok = b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok"
            first, _ = s.accept()
            read_request(first); first.sendall(ok)
            read_request(first); first.close()          # the second request is read, never answered
            second, _ = s.accept()
            read_request(second); second.sendall(ok)
            second.close()
            """
        try await ScriptedPeer.with(script) { port in
            try await withKeepAlive({ _ in .empty(200) }) { _, transport in
                let first = try await post(transport, "http://127.0.0.1:\(port)/hook").text
                let second = try await post(transport, "http://127.0.0.1:\(port)/hook").text
                #expect(first == "ok")
                #expect(second == "ok")
            }
        }
    }

    @Test func aSilentServerFailsTheCallAtTheStepsTimeoutAndTheNextCallStillGoes() async throws {
        try await withKeepAlive({ request in request.path == "/slow" ? .hang : .empty(200) }) { server, transport in
            let started = ContinuousClock.now
            let failed = await failure { try await post(transport, server.baseURL + "/slow", timeout: shortTimeout) }
            #expect(failed?.isRetryable == true)
            #expect(failed?.message == "no answer from \(server.baseURL) in time")
            // The server never answers: any bound tells the step's timeout from a hang.
            #expect(ContinuousClock.now - started < .seconds(20))
            let next = try await post(transport, server.baseURL + "/fast").status
            #expect(next == 200)
        }
    }

    /// A connection keeps one timer, armed for a call's deadline and left armed after the
    /// answer: the next call on it is still timed by its own deadline — later (the timer is armed
    /// again when it goes off) or earlier (armed again at once).
    @Test func eachCallOnAConnectionIsTimedByItsOwnDeadline() async throws {
        try await withKeepAlive({ request in
            switch request.path {
            case "/slow": return .hang
            case "/late": return .after(seconds: 3, .empty(200))
            default: return .empty(200)
            }
        }) { server, transport in
            // Arms the connection's timer for 2 s from now, and is answered before. (A machine
            // too busy to answer in 2 s fails the call and closes its connection: tried again.)
            var fast: Int?
            for _ in 0..<5 where fast == nil { fast = try? await post(transport, server.baseURL + "/fast", timeout: 2).status }
            #expect(fast == 200)
            // The timer goes off while this call (30 s) waits 3 s for its answer: armed again.
            let late = try await post(transport, server.baseURL + "/late").status
            #expect(late == 200)
            #expect(Set(server.requests.suffix(2).map(\.peer)).count == 1, "both calls went over one connection")
            // A deadline earlier than the armed one (30 s) is kept too.
            let started = ContinuousClock.now
            let failed = await failure { try await post(transport, server.baseURL + "/slow", timeout: shortTimeout) }
            #expect(failed?.message == "no answer from \(server.baseURL) in time")
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func aRedirectIsAFailureAndIsNotFollowed() async throws {
        try await LoopbackHTTPServer.with({ _ in .empty(200) }) { elsewhere in
            try await withKeepAlive({ _ in .empty(307, headers: [("Location", elsewhere.baseURL + "/collect")]) }) { server, transport in
                let failed = await failure { try await post(transport, server.baseURL + "/hook") }
                #expect(failed?.isRetryable == false)
                #expect(failed?.message.contains("\(server.baseURL) answered HTTP 307, a redirect to \(elsewhere.baseURL)") == true)
                #expect(elsewhere.requests.isEmpty)
            }
        }
    }

    @Test func anUnreachableHostIsRetryableAndNamesTheHostOnly() async throws {
        let port = try await LoopbackHTTPServer.with({ _ in .empty(200) }) { $0.port }  // closed now
        try await withKeepAlive({ _ in .empty(200) }) { _, transport in
            let failed = await failure { try await post(transport, "http://127.0.0.1:\(port)/hooks/tok_SECRET123") }
            #expect(failed?.isRetryable == true)
            // Said plainly, not as NIO's description of its connection attempts.
            #expect(failed?.message == "cannot reach http://127.0.0.1:\(port): connection refused: nothing listens on that port")
            #expect(failed?.message.contains("tok_SECRET123") == false)
        }
    }

    /// The https path (AsyncHTTPClient) says a refused connection the same way. (It tries to
    /// connect again until the call's deadline, and then fails with the last connection error:
    /// a short deadline keeps the test short.)
    @Test func anHTTPSCallToAClosedPortIsSaidPlainly() async throws {
        try await withKeepAlive({ _ in .empty(200) }) { _, transport in
            let failed = await failure { try await post(transport, "https://127.0.0.1:1/hook", timeout: 3) }
            #expect(failed?.isRetryable == true)
            #expect(failed?.message == "cannot reach https://127.0.0.1:1: connection refused: nothing listens on that port")
        }
    }

    @Test func aNameThatDoesNotResolveIsSaidPlainly() async throws {
        try await withKeepAlive({ _ in .empty(200) }) { _, transport in
            let failed = await failure { try await post(transport, "http://no-such-host.invalid/hook") }
            #expect(failed?.isRetryable == true)
            #expect(failed?.message == "cannot reach http://no-such-host.invalid: its name 'no-such-host.invalid' does not resolve")
        }
    }

    @Test func anAnswerOverFourMegabytesIsRefused() async throws {
        let big = [UInt8](repeating: 0x61, count: (4 << 20) + 1)
        try await withKeepAlive({ _ in .respond(status: 200, headers: [], body: big) }) { server, transport in
            let failed = await failure { try await post(transport, server.baseURL + "/hook") }
            #expect(failed?.message.contains("larger than 4 MB") == true, "\(failed?.message ?? "")")
        }
    }

    @Test func onlyPlainHTTPURLsWithoutCredentialsTakeThisClient() throws {
        #expect(KeepAliveHTTPClient.parse("https://hooks.example.com/x") == nil)
        #expect(KeepAliveHTTPClient.parse("http://user:pass@hooks.example.com/x") == nil)
        #expect(KeepAliveHTTPClient.parse("ftp://hooks.example.com/x") == nil)
        let plain = try #require(KeepAliveHTTPClient.parse("http://hooks.example.com/in?a=1"))
        #expect(plain.key == .init(host: "hooks.example.com", port: 80))
        #expect(plain.hostHeader == "hooks.example.com")
        #expect(plain.uri == "/in?a=1")
        #expect(KeepAliveHTTPClient.parse("http://127.0.0.1:8080")?.uri == "/")
        #expect(KeepAliveHTTPClient.parse("http://127.0.0.1:8080")?.hostHeader == "127.0.0.1:8080")
    }

    @Test func httpsURLsGoThroughAsyncHTTPClientAndItsTLS() async throws {
        // A TLS client speaking to a plain-http server fails the handshake: proof the call did not
        // go out as plain HTTP on the keep-alive client.
        try await withKeepAlive({ _ in .empty(200) }) { server, transport in
            let failed = await failure { try await post(transport, "https://127.0.0.1:\(server.port)/hook") }
            #expect(failed != nil)
            #expect(server.requests.isEmpty)
        }
    }
}
