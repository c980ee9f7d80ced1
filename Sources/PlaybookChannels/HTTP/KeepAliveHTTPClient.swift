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
    /// a new connection; any other failure is the caller's to retry.
    func execute(_ method: HTTPMethod, _ target: Target, headers: HTTPHeaders, body: [UInt8]?, deadline: NIODeadline) async throws -> KeepAliveAnswer {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target.uri, headers: headers)
        head.headers.replaceOrAdd(name: "Host", value: target.hostHeader)
        if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count)) }
        let buffer = body.map { ByteBuffer(bytes: $0) }
        if let idle = takeIdle(target.key) {
            do {
                return try await send(head, buffer, on: idle, key: target.key, deadline: deadline)
            } catch KeepAliveFailure.closedBeforeAnswer {
                // The idle connection was closed by the server as the request left: once more, fresh.
            }
        }
        let channel = try await connect(target.key, deadline: deadline)
        return try await send(head, buffer, on: channel, key: target.key, deadline: deadline)
    }

    private func send(_ head: HTTPRequestHead, _ body: ByteBuffer?, on channel: any Channel, key: Key, deadline: NIODeadline) async throws -> KeepAliveAnswer {
        let answer = channel.eventLoop.makePromise(of: KeepAliveAnswer.self)
        let request = KeepAliveRequest(head: head, body: body, answer: answer)
        // The request is written before its timeout is scheduled, on the connection's own loop:
        // a deadline that passed while connecting (a busy machine) then fails this request as
        // "no answer in time" instead of closing the connection under a request not yet written,
        // which read as "closed without answering".
        channel.eventLoop.execute {
            channel.writeAndFlush(request, promise: nil)
            let timeout = channel.eventLoop.scheduleTask(deadline: deadline) {
                channel.pipeline.fireUserInboundEventTriggered(KeepAliveFailure.timedOut)
            }
            answer.futureResult.whenComplete { _ in timeout.cancel() }
        }
        do {
            let result = try await answer.futureResult.get()
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
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(KeepAliveHandler())
                    }
                }
                .connect(host: key.host, port: key.port).get()
        } catch ChannelError.connectTimeout {
            throw KeepAliveFailure.timedOut
        }
    }
}
