import Foundation
import NIOCore
import NIOPosix
import PlaybookCore
import PlaybookEngine

/// The `dns` check: asks a resolver for the name's A records over UDP, as any client would.
/// An answer (or an empty NOERROR: the name exists) is up; SERVFAIL, REFUSED, NXDOMAIN or no
/// answer in time is down — what clients saw on 4 October 2021, when Meta's authoritative
/// servers were unreachable and every resolver answered SERVFAIL.
public struct DNSProbe: Sendable {
    let group: any EventLoopGroup
    /// `HOST` or `HOST:PORT` of the resolver asked when a check names none.
    let defaultServer: String

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, defaultServer: String? = nil) {
        self.group = group
        self.defaultServer = defaultServer ?? Self.systemResolver() ?? "127.0.0.1"
    }

    /// The first `nameserver` of resolv.conf.
    public static func systemResolver(path: String = "/etc/resolv.conf") -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "nameserver" else { continue }
            let address = words[1].split(separator: "%", maxSplits: 1)[0]  // drop an IPv6 zone
            return address.contains(":") ? "[\(address)]" : String(address)
        }
        return nil
    }

    /// `HOST`, `HOST:PORT`, `[V6]:PORT` or a bare IPv6 address; port 53 unless given.
    static func address(_ server: String) throws -> SocketAddress {
        var host = server
        var port = 53
        if server.hasPrefix("["), let close = server.firstIndex(of: "]") {
            host = String(server[server.index(after: server.startIndex)..<close])
            let rest = server[server.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let given = Int(rest.dropFirst()) else { throw DNSMessage.Problem(reason: "'\(server)' has no valid port") }
                port = given
            }
        } else if server.filter({ $0 == ":" }).count == 1, let colon = server.firstIndex(of: ":") {
            host = String(server[..<colon])
            guard let given = Int(server[server.index(after: colon)...]) else { throw DNSMessage.Problem(reason: "'\(server)' has no valid port") }
            port = given
        }
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return literal }
        return try SocketAddress.makeAddressResolvingHost(host, port: port)
    }

    struct NoAnswer: Error {}

    public func probe(name: String, server: String?, timeout: Double) async -> ProbeResult {
        let resolver = server ?? defaultServer
        let target: SocketAddress
        do {
            target = try Self.address(resolver)
        } catch let problem as DNSMessage.Problem {
            return .down("resolver \(resolver): \(problem.reason)")
        } catch {
            return .down("cannot find the resolver \(resolver): \(error)")
        }
        let id = UInt16.random(in: 0...UInt16.max)
        let query: [UInt8]
        do {
            query = try DNSMessage.query(id: id, name: name)
        } catch {
            return .down(error.reason)
        }
        let loop = group.next()
        let answer = loop.makePromise(of: DNSMessage.Header.self)
        let channel: any NIOCore.Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AnswerHandler(id: id, answer: answer)) }
                }
                .bind(host: target.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
        } catch {
            answer.fail(error)
            return .down("cannot open a UDP socket: \(error)")
        }
        @Sendable func send() {
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: channel.allocator.buffer(bytes: query)), promise: nil)
        }
        send()
        // UDP may lose the query or its answer: ask once more halfway through, as resolvers do.
        let again = loop.scheduleTask(in: .nanoseconds(Int64(saturating: timeout * 500_000_000))) { send() }
        let expire = loop.scheduleTask(in: .nanoseconds(Int64(saturating: timeout * 1_000_000_000))) { answer.fail(NoAnswer()) }
        let outcome: Result<DNSMessage.Header, any Error>
        do {
            outcome = .success(try await answer.futureResult.get())
        } catch {
            outcome = .failure(error)
        }
        again.cancel()
        expire.cancel()
        try? await channel.close()
        switch outcome {
        case .success(let header):
            let code = DNSMessage.rcodeName(header.rcode)
            guard header.rcode == 0 else { return .down("\(code) from \(resolver)") }
            if header.answers > 0 { return .up("\(header.answers) answer\(header.answers == 1 ? "" : "s")") }
            return .up(header.truncated ? "truncated answer (the name resolves)" : "NOERROR without A records (the name exists)")
        case .failure(let error):
            if error is NoAnswer { return .down("no answer from \(resolver) in \(PlaybookCore.Duration.format(seconds: timeout))") }
            return .down("cannot ask \(resolver): \(error)")
        }
    }

    /// Takes the first datagram that answers our query id.
    private final class AnswerHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>

        let id: UInt16
        let answer: EventLoopPromise<DNSMessage.Header>

        init(id: UInt16, answer: EventLoopPromise<DNSMessage.Header>) {
            self.id = id
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var envelope = unwrapInboundIn(data)
            let bytes = envelope.data.readBytes(length: envelope.data.readableBytes) ?? []
            guard let header = DNSMessage.header(bytes), header.id == id, header.isResponse else { return }
            answer.succeed(header)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            answer.fail(error)
        }
    }
}
