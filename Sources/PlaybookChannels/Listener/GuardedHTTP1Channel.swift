import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with the listener's own guards in front of it.
///
/// Hummingbird parses, routes and answers; what it does not do is refuse a crowd or a slow peer
/// the way the contract says: beyond `Limits.connections` a connection gets 503 at once
/// (`OverloadRefusal`, no parsing), a request head or body that does not arrive in time closes
/// the connection and a body declared too large gets 413 before it is read (`RequestGuard`,
/// placed between NIO's HTTP parser and Hummingbird's codec), and a malformed request gets 400
/// (NIO's `HTTPServerProtocolErrorHandler`).
struct GuardedHTTP1Channel: ServerChildChannel {
    enum Value: ServerChildChannelValue {
        case serve(HTTP1Channel.Value)
        /// Being answered 503 (or closed) by `OverloadRefusal`.
        case refused(any Channel)

        var channel: any Channel {
            switch self {
            case .serve(let value): value.channel
            case .refused(let channel): channel
            }
        }
    }

    let http1: HTTP1Channel
    let limits: WatchListener.Limits
    let connections: ConnectionCount

    /// The builder `Application` takes.
    static func builder(limits: WatchListener.Limits, connections: ConnectionCount) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                // No idle timeout of Hummingbird's: its timer starts when the connection opens, and
                // would cut a new connection's time for its first request head (`Limits.head`)
                // short; `RequestGuard` times the head, the body and the idle time between requests.
                http1: HTTP1Channel(responder: responder, configuration: .init()), limits: limits,
                connections: connections)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admission = connections.admit()
        channel.closeFuture.whenComplete { _ in connections.release(admission) }
        guard admission == .serve else {
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    OverloadRefusal(answer: admission == .refuse, limit: limits.connections, linger: limits.linger))
                return Value.refused(channel)
            }
        }
        let guardLimits = limits
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let codec = try operations.handler(type: HTTP1ToHTTPServerCodec.self)
            try operations.addHandler(HTTPServerProtocolErrorHandler(), position: .before(codec))
            try operations.addHandler(RequestGuard(limits: guardLimits), position: .before(codec))
            return Value.serve(value)
        }
    }

    func handle(value: Value, logger: Logger) async {
        switch value {
        case .serve(let connection): await http1.handle(value: connection, logger: logger)
        case .refused(let channel): try? await channel.closeFuture.get()
        }
    }
}
