import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback HTTP sink: answers 200 to every request and counts them. Shared by the fan-out
/// benchmarks (bench-fanout, bench-scaleout), which compare against its own rate.
public final class Sink: @unchecked Sendable {
    public let count = NIOLockedValueBox(0)
    private var channel: (any Channel)?
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    public init() {}

    public var port: Int { channel?.localAddress?.port ?? 0 }

    public func start() throws {
        let counter = count
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(count: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    public func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let count: NIOLockedValueBox<Int>
        init(count: NIOLockedValueBox<Int>) { self.count = count }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            count.withLockedValue { $0 += 1 }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "2")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: "ok")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// The sink's rate from a plain AsyncHTTPClient at `concurrency` requests in flight: the
/// reference the engine's fan-out is compared with. Requests per second.
public func plainClientRate(port: Int, requests: Int, concurrency: Int) async throws -> Double {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    defer { _ = client.shutdown() }
    let body = Array(#"{"playbook":"bench","text":"Hello Person 1, we are open."}"#.utf8)
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
            let index = next
            next += 1
            group.addTask {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/hook")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Idempotency-Key", value: "k\(index)")
                request.body = .bytes(body)
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1024)
            }
        }
        for _ in 0..<min(concurrency, requests) { add() }
        while try await group.next() != nil { if next < requests { add() } }
    }
    let elapsed = (clock.now - start).components
    return Double(requests) / (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
}
