import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PlaybookEngine

/// The HTTP listener of `playbook watch --listen HOST:PORT`: reads each request (bodies up to
/// `Watcher.maximumBody`, larger ones refused unread with 413) and answers what the handler
/// says. HTTP/1.1 with keep-alive; no TLS (put it behind a proxy to expose it).
public final class WatchListener: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private let server: NIOAsyncChannel<Connection, Never>
    /// `HOST:PORT` actually bound (the port chosen when 0 was asked).
    public let address: String
    public let port: Int

    private init(server: NIOAsyncChannel<Connection, Never>, host: String) {
        self.server = server
        port = server.channel.localAddress?.port ?? 0
        address = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
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

    public static func bind(host: String, port: Int) async throws -> WatchListener {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        return WatchListener(server: server, host: host)
    }

    /// Serves until `close()`; then ends the connections still open.
    public func serve(_ handler: @escaping @Sendable (WatchRequest) async -> WatchResponse) async {
        await withTaskGroup(of: Void.self) { group in
            do {
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
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

    private static func serve(_ connection: Connection, _ handler: @escaping @Sendable (WatchRequest) async -> WatchResponse) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var tooLarge = false
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                    tooLarge = false
                case .body(let buffer):
                    if body.count + buffer.readableBytes > Watcher.maximumBody { tooLarge = true } else { body += buffer.readableBytesView }
                case .end:
                    guard let requestHead = head else { continue }
                    head = nil
                    let path = String(requestHead.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
                    let response =
                        tooLarge
                        ? WatchResponse(status: 413, body: JSONValueText.error("the body is over \(Watcher.maximumBody) bytes"))
                        : await handler(
                            WatchRequest(method: requestHead.method.rawValue, path: path, headers: requestHead.headers.map { ($0.name, $0.value) }, body: body))
                    let keepAlive = requestHead.isKeepAlive && !tooLarge
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
