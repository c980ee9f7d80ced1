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
    }

    private struct Pool {
        var idle: [Key: [any Channel]] = [:]
        var targets: [String: Target] = [:]
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
        for channels in pool.withLockedValue({ $0.idle.values }) { for channel in channels { channel.close(promise: nil) } }
    }

    /// Closes the idle connections; calls after this one connect afresh and close after answering.
    public func shutdown() async {
        let channels = pool.withLockedValue { pool in
            pool.closed = true
            defer { pool.idle = [:] }
            return pool.idle.values.flatMap { $0 }
        }
        for channel in channels { try? await channel.close() }
    }

    /// The target of `url` when it is a plain `http://` URL this client takes, else nil.
    func target(_ url: String) -> Target? {
        if let known = pool.withLockedValue({ $0.targets[url] }) { return known }
        guard let parsed = Self.parse(url) else { return nil }
        pool.withLockedValue { pool in
            if pool.targets.count >= 256 { pool.targets.removeAll() }
            pool.targets[url] = parsed
        }
        return parsed
    }

    static func parse(_ url: String) -> Target? {
        guard url.utf8.starts(with: "http://".utf8), let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
            components.user == nil, components.password == nil, let host = components.host, !host.isEmpty
        else { return nil }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else { return nil }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let uri = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        return Target(key: Key(host: host, port: port), hostHeader: port == 80 ? bracketed : "\(bracketed):\(port)", uri: uri)
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
        if let idle = takeIdle(target.key) {
            do {
                return try await send(method, request, on: idle, key: target.key, deadline: deadline)
            } catch KeepAliveFailure.closedBeforeAnswer {
                // The idle connection was closed by the server as the request left: once more, fresh.
            }
        }
        let channel = try await connect(target.key, deadline: deadline)
        return try await send(method, request, on: channel, key: target.key, deadline: deadline)
    }

    private func send(
        _ method: HTTPMethod, _ request: HTTPRequestBytes.Encoded, on channel: any Channel, key: Key, deadline: NIODeadline
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
            if result.reusable { giveBack(channel, key: key) } else { channel.close(promise: nil) }
            return result
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private func takeIdle(_ key: Key) -> (any Channel)? {
        pool.withLockedValue { pool in
            while let channel = pool.idle[key]?.popLast() {
                if channel.isActive { return channel }
            }
            return nil
        }
    }

    private func giveBack(_ channel: any Channel, key: Key) {
        let kept = pool.withLockedValue { pool in
            guard !pool.closed, channel.isActive, pool.idle[key, default: []].count < idleLimit else { return false }
            pool.idle[key, default: []].append(channel)
            return true
        }
        if !kept { channel.close(promise: nil) }
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
