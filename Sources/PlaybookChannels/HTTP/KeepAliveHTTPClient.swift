import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A lean HTTP/1.1 client for the `webhook` channel's plain `http://` URLs: a pool of keep-alive
/// connections per host and port, one request at a time on each (no pipelining), nothing else.
/// It exists for speed: a fan-out makes tens of thousands of identical small POSTs, and
/// AsyncHTTPClient's general machinery (state machines, request bags, executor hops) cost more
/// per request than the rest of a delivery. `https://` URLs keep going through AsyncHTTPClient
/// and its TLS (`HTTPTransport` decides), so certificates are checked exactly as before.
///
/// The hardening rules hold here too: redirects are answers like any other (never followed;
/// `HTTPTransport` fails a 3xx), the only deadline is the caller's (the step's `timeout`, which
/// also bounds connecting), and errors name the host only.
public final class KeepAliveHTTPClient: Sendable {
    struct Key: Hashable, Sendable {
        var host: String
        var port: Int
    }

    /// Where a plain-http URL points, parsed once per distinct URL.
    struct Target: Sendable {
        var key: Key
        /// The `Host` header: the host, and the port when it is not 80.
        var hostHeader: String
        /// Path and query, as sent on the request line.
        var uri: String
        /// The idle connections to `key`'s host and port, shared by every target there: held
        /// here so that a call finds them without hashing the host twice (bench/README.md).
        var idle: IdleConnections
    }

    /// The idle keep-alive connections to one host and port.
    final class IdleConnections: Sendable {
        private struct State {
            var channels: [any Channel] = []
            var closed = false
        }

        private let state = NIOLockedValueBox(State())

        /// An idle connection still open, if any.
        func take() -> (any Channel)? {
            state.withLockedValue { state in
                while let channel = state.channels.popLast() {
                    if channel.isActive { return channel }
                }
                return nil
            }
        }

        /// Keeps `channel` for the next call, unless the client is shut down or `limit` are kept.
        func giveBack(_ channel: any Channel, limit: Int) -> Bool {
            state.withLockedValue { state in
                guard !state.closed, channel.isActive, state.channels.count < limit else { return false }
                state.channels.append(channel)
                return true
            }
        }

        /// Takes every idle connection out and keeps none from now on.
        func close() -> [any Channel] {
            state.withLockedValue { state in
                state.closed = true
                defer { state.channels = [] }
                return state.channels
            }
        }

        /// The idle connections now (for the client's `deinit`, which closes them).
        var all: [any Channel] { state.withLockedValue { $0.channels } }
    }

    private struct Pool {
        var idle: [Key: IdleConnections] = [:]
        var targets: [String: Target] = [:]
        /// The target asked for last: a fan-out calls one URL tens of thousands of times, and
        /// comparing it costs less than hashing it.
        var last: (url: String, target: Target)?
        var closed = false
    }

    private let group: any EventLoopGroup
    private let pool = NIOLockedValueBox(Pool())
    /// Idle connections kept per host; more are closed when they come back.
    let idleLimit: Int

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, idleLimit: Int = 64) {
        self.group = group
        self.idleLimit = idleLimit
    }

    deinit {
        for idle in pool.withLockedValue({ $0.idle.values }) { for channel in idle.all { channel.close(promise: nil) } }
    }

    /// Closes the idle connections; calls after this one connect afresh and close after answering.
    public func shutdown() async {
        let pools = pool.withLockedValue { pool in
            pool.closed = true
            return Array(pool.idle.values)
        }
        for idle in pools { for channel in idle.close() { try? await channel.close() } }
    }

    /// The target of `url` when it is a plain `http://` URL this client takes, else nil.
    func target(_ url: String) -> Target? {
        if let known = pool.withLockedValue({ pool in pool.last?.url == url ? pool.last?.target : pool.targets[url] }) { return known }
        guard let parsed = Self.parse(url) else { return nil }
        return pool.withLockedValue { pool in
            if pool.targets.count >= 256 { pool.targets.removeAll() }
            let idle = pool.idle[parsed.key] ?? IdleConnections()
            if pool.closed { _ = idle.close() }
            pool.idle[parsed.key] = idle
            let target = Target(key: parsed.key, hostHeader: parsed.hostHeader, uri: parsed.uri, idle: idle)
            pool.targets[url] = target
            pool.last = (url, target)
            return target
        }
    }

    /// A URL's parts, before the target is given its host's idle connections.
    struct Parsed: Sendable {
        var key: Key
        var hostHeader: String
        var uri: String
    }

    static func parse(_ url: String) -> Parsed? {
        guard url.utf8.starts(with: "http://".utf8), let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
            components.user == nil, components.password == nil, let host = components.host, !host.isEmpty
        else { return nil }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else { return nil }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let uri = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        return Parsed(key: Key(host: host, port: port), hostHeader: port == 80 ? bracketed : "\(bracketed):\(port)", uri: uri)
    }

    /// Sends one request and returns the whole answer. A request that went out on a reused
    /// connection which the server had closed meanwhile (nothing answered) is sent once more on
    /// a new connection; any other failure is the caller's to retry. `headers` are sent as
    /// given but for `Host`, `Content-Length` and `Transfer-Encoding`, which the client sets;
    /// `userAgent` goes out when they name none.
    func execute(
        _ method: HTTPMethod, _ target: Target, headers: [(String, String)], userAgent: String, body: [UInt8]?, deadline: NIODeadline
    ) async throws -> KeepAliveAnswer {
        let request = try HTTPRequestBytes.encode(method, uri: target.uri, host: target.hostHeader, headers: headers, userAgent: userAgent, body: body)
        if let idle = target.idle.take() {
            do {
                return try await send(method, request, on: idle, target: target, deadline: deadline)
            } catch KeepAliveFailure.closedBeforeAnswer {
                // The idle connection was closed by the server as the request left: once more, fresh.
            }
        }
        let channel = try await connect(target.key, deadline: deadline)
        return try await send(method, request, on: channel, target: target, deadline: deadline)
    }

    private func send(
        _ method: HTTPMethod, _ request: HTTPRequestBytes.Encoded, on channel: any Channel, target: Target, deadline: NIODeadline
    ) async throws -> KeepAliveAnswer {
        do {
            let result = try await withUnsafeThrowingContinuation { (answer: UnsafeContinuation<KeepAliveAnswer, any Error>) in
                let call = KeepAliveRequest(method: method, bytes: request.bytes, keepsAlive: request.keepsAlive, deadline: deadline, answer: answer)
                // On the connection's own loop, where the handler resumes `answer` exactly once —
                // if it is still there: a connection torn down meanwhile has no handlers, and a
                // write would go past them unanswered.
                channel.eventLoop.execute {
                    guard (try? channel.pipeline.syncOperations.handler(type: KeepAliveHandler.self)) != nil else {
                        answer.resume(throwing: KeepAliveFailure.closedBeforeAnswer)
                        return
                    }
                    channel.writeAndFlush(call, promise: nil)
                }
            }
            if !result.reusable || !target.idle.giveBack(channel, limit: idleLimit) { channel.close(promise: nil) }
            return result
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private func connect(_ key: Key, deadline: NIODeadline) async throws -> any Channel {
        let remaining = deadline - .now()
        guard remaining > .zero else { throw KeepAliveFailure.timedOut }
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(remaining)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // NIO's response decoder (llhttp) reads the answers; requests go out as
                        // `HTTPRequestBytes` encoded them (`RawRequestEncoder`).
                        try channel.pipeline.syncOperations.addHandlers([
                            RawRequestEncoder(), ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)), KeepAliveHandler(),
                        ])
                    }
                }
                .connect(host: key.host, port: key.port).get()
        } catch ChannelError.connectTimeout {
            throw KeepAliveFailure.timedOut
        }
    }
}
