import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One open SMTP session, ready for mail transactions: greeted, EHLO'd, encrypted as configured
/// and authenticated. Used by one delivery at a time (the pool sees to that).
struct SMTPConnection: Sendable {
    let channel: any Channel
    let capabilities: SMTPCapabilities
    let configuration: SMTPConfiguration
    let outcome: SMTPConnectionOutcome

    /// Connects and runs the session's opening (RFC 5321 §3.1, RFC 3207, RFC 4954).
    static func open(_ configuration: SMTPConfiguration) async throws(SMTPError) -> SMTPConnection {
        let outcome = SMTPConnectionOutcome()
        let channel = try await connect(configuration, outcome: outcome)
        do throws(SMTPError) {
            let session = SMTPConnection(channel: channel, capabilities: SMTPCapabilities(), configuration: configuration, outcome: outcome)
            let greeting = try await session.readReply()
            guard greeting.code == 220 else { throw SMTPError.refused(greeting, stage: "the connection") }
            var capabilities = try await session.hello()
            if configuration.security == .starttls {
                guard capabilities.startTLS else {
                    throw SMTPError.unsupported("does not offer STARTTLS (security: starttls); use security: tls for port 465")
                }
                capabilities = try await session.startTLS()
            }
            let ready = SMTPConnection(channel: channel, capabilities: capabilities, configuration: configuration, outcome: outcome)
            if let credentials = configuration.credentials {
                try await ready.authenticate(credentials)
            }
            return ready
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private static func connect(_ configuration: SMTPConfiguration, outcome: SMTPConnectionOutcome) async throws(SMTPError) -> any Channel {
        let replyTimeout = configuration.replyTimeout
        var upgrade: SMTPRequest.TLSUpgrade?
        if configuration.security == .tls {
            guard let context = configuration.tlsContext else { throw SMTPError.tls("no TLS context") }
            upgrade = SMTPRequest.TLSUpgrade(context: context, serverHostname: serverHostname(configuration.host))
        }
        let implicitTLS = upgrade
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(SMTPDeadline.current.map { max($0 - .now(), .milliseconds(1)) } ?? configuration.connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        let tls = try NIOSSLClientHandler(context: implicitTLS.context, serverHostname: implicitTLS.serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPClientHandler(replyTimeout: replyTimeout, outcome: outcome))
                }
            }
        do {
            return try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            if let error = error as? NIOSSLExtraError { throw SMTPError.tls("\(error)") }
            throw SMTPError.connect(describeConnectError(error))
        }
    }

    /// SNI and certificate name checks take a DNS name; for an IP address NIOSSL checks the
    /// certificate's IP entries against the peer address instead.
    static func serverHostname(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    private static func describeConnectError(_ error: any Error) -> String {
        ConnectionFailureReason.of(error) ?? "\(error)"
    }

    // MARK: Commands

    /// The name this client gives in EHLO.
    private var clientName: String {
        if let name = configuration.clientName { return name }
        switch channel.localAddress {
        case .v4(let address)?: return "[\(address.host)]"
        case .v6(let address)?: return "[IPv6:\(address.host)]"
        default: return "localhost"
        }
    }

    /// EHLO, falling back to HELO (no extensions) when the server does not know EHLO.
    private func hello() async throws(SMTPError) -> SMTPCapabilities {
        let reply = try await command("EHLO \(clientName)")
        if reply.isCompletion { return SMTPCapabilities(ehlo: reply) }
        if reply.code == 500 || reply.code == 502 {
            let helo = try await command("HELO \(clientName)")
            guard helo.isCompletion else { throw SMTPError.refused(helo, stage: "HELO") }
            return SMTPCapabilities()
        }
        throw SMTPError.refused(reply, stage: "EHLO")
    }

    /// STARTTLS, then EHLO again: what the server said before TLS is forgotten (RFC 3207 §4.2).
    private func startTLS() async throws(SMTPError) -> SMTPCapabilities {
        guard let context = configuration.tlsContext else { throw SMTPError.tls("no TLS context") }
        let upgrade = SMTPRequest.TLSUpgrade(context: context, serverHostname: Self.serverHostname(configuration.host))
        let reply = try await send(lines: ["STARTTLS"], replies: 1, startTLS: upgrade)[0].get()
        guard reply.code == 220 else { throw SMTPError.refused(reply, stage: "STARTTLS") }
        return try await hello()
    }

    /// Sends one command line and waits for its reply.
    func command(_ line: String) async throws(SMTPError) -> SMTPReply {
        try await send(lines: [line], replies: 1)[0].get()
    }

    /// Sends lines in one write and waits for `replies` replies (one per line for pipelined
    /// commands, RFC 2920; one for a whole message). Each reply is its own result: a refused
    /// RCPT does not hide what DATA answered.
    func send(lines: [String], replies: Int, startTLS: SMTPRequest.TLSUpgrade? = nil) async throws(SMTPError) -> [Result<SMTPReply, SMTPError>] {
        var bytes = channel.allocator.buffer(capacity: lines.reduce(0) { $0 + $1.utf8.count + 2 })
        for line in lines {
            bytes.writeString(line)
            bytes.writeStaticString("\r\n")
        }
        return try await send(bytes: bytes, replies: replies, startTLS: startTLS)
    }

    func send(bytes: ByteBuffer?, replies count: Int, startTLS: SMTPRequest.TLSUpgrade? = nil) async throws(SMTPError) -> [Result<SMTPReply, SMTPError>] {
        let channel = self.channel
        let promises = (0..<count).map { _ in channel.eventLoop.makePromise(of: SMTPReply.self) }
        let written = channel.eventLoop.makePromise(of: Void.self)
        let outcome = self.outcome
        written.futureResult.whenFailure { error in
            // A write that never reached the handler (the channel is gone) draws no reply. On the
            // next tick, so that the handler first fails them with the reason it knows (a TLS
            // handshake failure fails buffered writes before it is reported).
            channel.eventLoop.execute {
                for promise in promises { promise.fail(outcome.failure ?? SMTPError.from(error)) }
            }
        }
        channel.writeAndFlush(SMTPRequest(bytes: bytes, replies: promises, startTLS: startTLS, deadline: SMTPDeadline.current), promise: written)
        var results: [Result<SMTPReply, SMTPError>] = []
        for promise in promises {
            do {
                let reply = try await withTaskCancellationHandler {
                    try await promise.futureResult.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
                results.append(.success(reply))
            } catch {
                results.append(.failure(Task.isCancelled ? .cancelled : SMTPError.from(error)))
            }
        }
        if Task.isCancelled { throw SMTPError.cancelled }
        return results
    }

    /// Reads a reply the server sends unasked: the greeting.
    private func readReply() async throws(SMTPError) -> SMTPReply {
        try await send(bytes: nil, replies: 1)[0].get()
    }

    /// RSET: clears a transaction left half done, and checks that a reused connection still works.
    func reset() async throws(SMTPError) {
        let reply = try await command("RSET")
        guard reply.isCompletion else { throw SMTPError.refused(reply, stage: "RSET") }
    }

    /// QUIT, then close, without waiting long for a server that does not answer.
    func quit() async {
        if channel.isActive {
            _ = try? await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await self.command("QUIT") }
                group.addTask { try await Task.sleep(for: .seconds(2)) }
                try await group.next()
                group.cancelAll()
            }
        }
        try? await channel.close()
    }
}
