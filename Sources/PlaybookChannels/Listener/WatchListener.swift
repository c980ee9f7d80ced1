import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import PlaybookEngine

/// The HTTP listener of `playbook watch --listen HOST:PORT`: reads each request and answers what
/// the handler says. HTTP/1.1 with keep-alive; no TLS (put it behind a proxy to expose it).
///
/// A stranger who reaches it cannot exhaust it (`Limits`): connections beyond the limit are
/// answered 503 at once, a connection that does not send its request head in time or sits idle
/// between requests is closed, and a body declared too large is refused (413) before it is read.
public final class WatchListener: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// What the accept loop gets: a connection to serve, or one already being refused.
    enum Accepted: Sendable {
        case serve(Connection)
        case refused
    }

    /// What keeps the listener answering whatever its peers do (docs/watch.md, "The HTTP listener").
    public struct Limits: Sendable, Equatable {
        /// Connections served at once; more are answered 503 and closed.
        public var connections = 256
        /// How long a new connection has to send a complete request head.
        public var head: TimeAmount = .seconds(30)
        /// How long a keep-alive connection may wait for its next request head.
        public var idle: TimeAmount = .seconds(30)
        /// How long a request's body may take to arrive after its head.
        public var body: TimeAmount = .seconds(30)
        /// Larger bodies are answered 413, from their `Content-Length` before any byte is read.
        public var maximumBody = Watcher.maximumBody
        /// How long a refused connection is drained after its answer (so that the peer reads the
        /// answer rather than a reset) before it is closed.
        public var linger: TimeAmount = .seconds(1)

        public init() {}

        /// The limits `playbook watch --listen` serves with.
        public static let standard = Limits()
    }

    private let server: NIOAsyncChannel<Accepted, Never>
    /// `HOST:PORT` actually bound (the port chosen when 0 was asked).
    public let address: String
    public let port: Int
    /// Whether only this machine can reach the listener (bound to a loopback address).
    public let isLoopback: Bool

    private init(server: NIOAsyncChannel<Accepted, Never>, host: String) {
        self.server = server
        port = server.channel.localAddress?.port ?? 0
        address = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        isLoopback = Self.isLoopback(server.channel.localAddress?.ipAddress)
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `HOST:PORT` (`[V6]:PORT`; `:PORT` for every interface).
    public static func parse(_ text: String) throws(Problem) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw Problem(description: "--listen '\(text)' is not HOST:PORT (e.g. 127.0.0.1:9464)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Whether an IP address (as bound) is a loopback one: 127.0.0.0/8 or ::1.
    static func isLoopback(_ ip: String?) -> Bool {
        guard let ip = ip?.lowercased() else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip == "0:0:0:0:0:0:0:1" || ip.hasPrefix("::ffff:127.")
    }

    public static func bind(host: String, port: Int, limits: Limits = .standard) async throws -> WatchListener {
        let connections = ConnectionCount(limit: limits.connections)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let admission = connections.admit()
                    channel.closeFuture.whenComplete { _ in connections.release(admission) }
                    switch admission {
                    case .serve:
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(RequestGuard(limits: limits))
                        return Accepted.serve(try Connection(wrappingChannelSynchronously: channel))
                    case .refuse, .drop:
                        try channel.pipeline.syncOperations.addHandler(
                            OverloadRefusal(answer: admission == .refuse, limit: limits.connections, linger: limits.linger))
                        return Accepted.refused
                    }
                }
            }
        return WatchListener(server: server, host: host)
    }

    /// Serves until `close()`; then ends the connections still open.
    public func serve(_ handler: @escaping @Sendable (WatchRequest) async -> WatchResponse) async {
        await withTaskGroup(of: Void.self) { group in
            do {
                try await server.executeThenClose { inbound in
                    for try await accepted in inbound {
                        guard case .serve(let connection) = accepted else { continue }
                        group.addTask { await Self.serve(connection, handler) }
                    }
                }
            } catch {
                // The server socket closed under us: stop serving.
            }
            group.cancelAll()
        }
    }

    public func close() async {
        try? await server.channel.close()
    }

    /// One connection's requests, in turn. `RequestGuard` has already refused what is too large
    /// or too slow, so what arrives here is a bounded request.
    private static func serve(_ connection: Connection, _ handler: @escaping @Sendable (WatchRequest) async -> WatchResponse) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                case .body(let buffer):
                    body += buffer.readableBytesView
                case .end:
                    guard let requestHead = head else { continue }
                    head = nil
                    let path = String(requestHead.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
                    let response = await handler(
                        WatchRequest(method: requestHead.method.rawValue, path: path, headers: requestHead.headers.map { ($0.name, $0.value) }, body: body))
                    let keepAlive = requestHead.isKeepAlive
                    var responseHead = HTTPResponseHead(version: requestHead.version, status: HTTPResponseStatus(statusCode: response.status))
                    responseHead.headers.add(name: "Content-Type", value: response.contentType)
                    responseHead.headers.add(name: "Content-Length", value: String(response.body.utf8.count))
                    responseHead.headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
                    for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) { responseHead.headers.add(name: name, value: value) }
                    try await outbound.write(.head(responseHead))
                    if requestHead.method != .HEAD, !response.body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: response.body)))) }
                    try await outbound.write(.end(nil))
                    if !keepAlive { return }
                }
            }
        }
    }
}

/// `{"error": reason}` for refusals written by the listener itself.
enum JSONValueText {
    static func error(_ reason: String) -> String {
        "{\"error\":\"" + reason.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"}\n"
    }
}
