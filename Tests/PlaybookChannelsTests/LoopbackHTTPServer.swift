import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for adapter tests: it records every
/// request and answers each with what a scripted handler returns — a response, a rejection (the
/// fake found the request wrong: recorded, answered 418), or a hang (the connection stays open
/// and silent, as a stuck provider's does).
final class LoopbackHTTPServer: Sendable {
    /// One request as it arrived on the wire.
    struct Request: Sendable {
        var method: String
        /// The request target as sent: path and query, percent-encoded.
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]
        /// The client's port: requests with the same one came over the same connection.
        var peer: Int = 0

        var path: String { String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]) }
        var query: [String: String] { Self.decodeForm(uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "") }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as `application/x-www-form-urlencoded` pairs.
        var form: [String: String] { Self.decodeForm(text) }
        /// The body as a JSON object.
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

        static func decodeForm(_ text: String) -> [String: String] {
            var pairs: [String: String] = [:]
            for part in text.split(separator: "&") {
                let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode = { (s: Substring) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
                pairs[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
            }
            return pairs
        }
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// The fake found the request wrong: recorded in `rejections`, answered 418.
        case reject(String)
        /// Never answers; the connection stays open until the server shuts down.
        case hang
        /// Answers with `reply` after `seconds` (a slow provider).
        indirect case after(seconds: Double, Reply)

        static func json(_ status: Int, _ body: String, headers: [(String, String)] = []) -> Reply {
            .respond(status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: Array(body.utf8))
        }

        static func text(_ status: Int, _ body: String, headers: [(String, String)] = []) -> Reply {
            .respond(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers, body: Array(body.utf8))
        }

        static func empty(_ status: Int, headers: [(String, String)] = []) -> Reply { .respond(status: status, headers: headers, body: []) }
    }

    typealias Handler = @Sendable (Request) -> Reply

    /// What the server saw; guarded by a lock (NIO threads write, the test reads).
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var requests: [Request] = []
        private var rejections: [String] = []
        let handler: Handler

        init(handler: @escaping Handler) { self.handler = handler }

        func handle(_ request: Request) -> Reply {
            let reply = handler(request)
            lock.withLock {
                requests.append(request)
                if case .reject(let why) = reply { rejections.append("\(request.method) \(request.path): \(why)") }
            }
            return reply
        }

        var snapshot: (requests: [Request], rejections: [String]) { lock.withLock { (requests, rejections) } }
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let record: Record
    let port: Int

    /// `http://127.0.0.1:PORT`, for a channel's `base_url` or a webhook URL.
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { record.snapshot.requests }
    /// Why the fake refused requests; a passing test expects none.
    var rejections: [String] { record.snapshot.rejections }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, record: Record) {
        self.group = group
        self.channel = channel
        self.record = record
        self.port = channel.localAddress?.port ?? 0
    }

    /// Runs `body` with a server answering through `handler`, shut down afterwards (hung
    /// connections included) even when `body` throws.
    static func with<T>(_ handler: @escaping Handler, _ body: (LoopbackHTTPServer) async throws -> T) async throws -> T {
        let server = try await start(handler)
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    static func start(_ handler: @escaping Handler) async throws -> LoopbackHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let record = Record(handler: handler)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 64)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(RequestHandler(record: record))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return LoopbackHTTPServer(group: group, channel: channel, record: record)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Collects one request's head and body, then writes the scripted reply.
    private final class RequestHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let record: Record
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(record: Record) { self.record = record }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                self.head = nil
                let request = Request(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body,
                                      peer: context.channel.remoteAddress?.port ?? 0)
                answer(record.handle(request), to: head, context: context)
            }
        }

        private func answer(_ reply: Reply, to head: HTTPRequestHead, context: ChannelHandlerContext) {
            let (status, headers, bytes): (Int, [(String, String)], [UInt8])
            switch reply {
            case .hang: return
            case .after(let seconds, let later):
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { self.answer(later, to: head, context: context) }
                return
            case .reject(let why): (status, headers, bytes) = (418, [("Content-Type", "text/plain")], Array("fake rejected the request: \(why)".utf8))
            case .respond(let s, let h, let b): (status, headers, bytes) = (s, h, b)
            }
            var responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status))
            for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
            responseHead.headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            if !bytes.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
