import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The loopback services the benchmark's playbooks watch, in the parent process (so that the
/// CPU and memory measured in each child are the watcher's own): an HTTP server playing each
/// playbook's storefront, checkout, status page and stats, and a DNS server answering every name.
/// Playbooks whose number is in `down` answer 503 on their storefront.
final class Fakes: @unchecked Sendable {
    let requests = NIOLockedValueBox(0)
    let queries = NIOLockedValueBox(0)
    let down = NIOLockedValueBox(Set<Int>())
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var http: (any Channel)?
    private var dns: (any Channel)?

    var httpPort: Int { http?.localAddress?.port ?? 0 }
    var dnsPort: Int { dns?.localAddress?.port ?? 0 }

    func start() throws {
        let requests = self.requests
        let down = self.down
        http = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(HTTPHandler(requests: requests, down: down)) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        let queries = self.queries
        dns = try DatagramBootstrap(group: group)
            .channelInitializer { channel in channel.pipeline.addHandler(DNSHandler(queries: queries)) }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    func stop() {
        try? http?.close().wait()
        try? dns?.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class HTTPHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let requests: NIOLockedValueBox<Int>
        let down: NIOLockedValueBox<Set<Int>>
        private var uri = ""

        init(requests: NIOLockedValueBox<Int>, down: NIOLockedValueBox<Set<Int>>) {
            self.requests = requests
            self.down = down
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): uri = head.uri
            case .body: break
            case .end:
                requests.withLockedValue { $0 += 1 }
                // /p{N}/web, /p{N}/checkout, /p{N}/api/v2/status.json, /p{N}/stats
                let parts = uri.split(separator: "/")
                let number = parts.first.flatMap { Int($0.dropFirst()) } ?? -1
                let isDown = down.withLockedValue { $0.contains(number) }
                let (status, body): (HTTPResponseStatus, String)
                switch parts.dropFirst().joined(separator: "/") {
                case "web": (status, body) = isDown ? (.serviceUnavailable, "down") : (.ok, "shop")
                case "checkout": (status, body) = (.ok, "checkout")
                case "api/v2/status.json": (status, body) = (.ok, #"{"status":{"indicator":"\#(isDown ? "major" : "none")","description":"bench"}}"#)
                case "stats": (status, body) = (.ok, #"{"visitors":\#(isDown ? 20 : 100)}"#)
                default: (status, body) = (.notFound, "no")
                }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(body.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    /// Answers every query with one A record (127.0.0.1).
    final class DNSHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let queries: NIOLockedValueBox<Int>

        init(queries: NIOLockedValueBox<Int>) { self.queries = queries }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var envelope = unwrapInboundIn(data)
            guard let query = envelope.data.readBytes(length: envelope.data.readableBytes), query.count > 12 else { return }
            queries.withLockedValue { $0 += 1 }
            var end = 12
            while end < query.count, query[end] != 0 { end += Int(query[end]) + 1 }
            end = min(end + 5, query.count)
            var reply = Array(query[0..<12])
            reply[2] = 0x80 | (query[2] & 0x01)
            reply[3] = 0x80
            reply[6] = 0
            reply[7] = 1
            reply += query[12..<end]
            reply += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: reply))), promise: nil)
        }
    }
}
