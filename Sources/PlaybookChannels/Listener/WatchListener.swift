import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import PlaybookEngine
import ServiceLifecycle

/// The HTTP server of `--listen HOST:PORT` (`watch` and `run`): `/healthz`, `/metrics`, webhook
/// triggers, approval links and the console, on Hummingbird 2 with swift-service-lifecycle for
/// its graceful shutdown. HTTP/1.1 with keep-alive; no TLS (put it behind a proxy to expose it,
/// docs/console.md).
///
/// Hummingbird routes, reads cookies and forms and times out idle connections; what a stranger
/// could still do to hold the server is refused in front of it (`GuardedHTTP1Channel`):
/// connections beyond the limit are answered 503 at once, a connection that does not send its
/// request head in time is closed, and a body declared too large is refused (413) before it is read.
public final class WatchListener: Sendable {
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

        /// The limits `--listen` serves with.
        public static let standard = Limits()
    }

    /// `HOST:PORT` actually bound (the port chosen when 0 was asked).
    public let address: String
    public let port: Int
    /// Whether only this machine can reach the listener (bound to a loopback address).
    public let isLoopback: Bool

    private let slot: ResponderSlot
    private let services: ServiceGroup
    private let running: Task<Void, Never>

    private init(local: SocketAddress?, host: String, slot: ResponderSlot, services: ServiceGroup, running: Task<Void, Never>) {
        port = local?.port ?? 0
        address = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        isLoopback = Self.isLoopback(local?.ipAddress)
        self.slot = slot
        self.services = services
        self.running = running
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

    /// Binds and starts accepting; requests are answered 503 until `serve` says by what.
    ///
    /// The server and its connections share one event loop, so that connections are admitted
    /// (or refused, beyond the limit) in the order they were accepted: with a loop per core, a
    /// later connection's set-up could run before an earlier one's and take its place. The
    /// work behind a request runs on Swift's concurrency pool, not on this loop.
    public static func bind(host: String, port: Int, limits: Limits = .standard) async throws -> WatchListener {
        let slot = ResponderSlot(maximumBody: limits.maximumBody)
        let started = StartSignal()
        let quiet = Logger(label: "playbook.listener", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = Application(
            responder: slot, server: GuardedHTTP1Channel.builder(limits: limits, connections: ConnectionCount(limit: limits.connections)),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil, backlog: 256, reuseAddress: true),
            onServerRunning: { started.bound($0.localAddress) }, eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton.next()),
            logger: quiet)
        let services = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: quiet))
        let running = Task {
            do {
                try await services.run()
                started.failed(Problem(description: "the listener stopped before it was bound"))
            } catch {
                started.failed(error)
            }
        }
        do {
            let local = try await started.address()
            return WatchListener(local: local, host: host, slot: slot, services: services, running: running)
        } catch {
            await running.value
            throw error
        }
    }

    /// Serves `handler` for every request until `close()`.
    public func serve(_ handler: @escaping @Sendable (WatchRequest) async -> WatchResponse) async {
        await serve(WatchRequestResponder(handler: handler, maximumBody: slot.maximumBody))
    }

    /// Serves `responder` (a Hummingbird router, say) until `close()`.
    public func serve(_ responder: any HTTPResponder<BasicRequestContext>) async {
        slot.set(responder)
        await running.value
    }

    /// Stops accepting, lets the requests being answered finish (graceful shutdown), closes the
    /// idle connections, and returns once the server has stopped.
    public func close() async {
        await services.triggerGracefulShutdown()
        await running.value
    }
}
