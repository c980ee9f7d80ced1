import Foundation
import NIOCore
import NIOPosix

/// A tiny DNS server on 127.0.0.1 (an ephemeral UDP port) for the `dns` check's tests: it reads
/// each query's id and name and answers as scripted per name — A records, an error code, or
/// nothing at all (as Meta's unreachable authoritative servers did on 4 October 2021).
final class LoopbackDNSServer: Sendable {
    enum Reply: Sendable {
        /// NOERROR with this many A records (0: the name exists without A records).
        case answers(Int)
        /// This response code and no answer (2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED).
        case rcode(UInt8)
        /// Never answers.
        case silent
        /// Ignores the first query and answers the repeat with one record (a lost datagram).
        case loseFirst
        /// First a reply with another query id (to be ignored), then the real answer.
        case strayThenAnswer
    }

    /// Names asked, in order; guarded by a lock (NIO threads write, the test reads).
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var asked: [String] = []
        let script: @Sendable (String) -> Reply

        init(script: @escaping @Sendable (String) -> Reply) { self.script = script }

        /// Records a query; returns how many times this name was asked before.
        func ask(_ name: String) -> Int {
            lock.withLock {
                let before = asked.filter { $0 == name }.count
                asked.append(name)
                return before
            }
        }

        var names: [String] { lock.withLock { asked } }
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    let record: Record
    let port: Int

    /// `127.0.0.1:PORT`, for a check's `server`.
    var address: String { "127.0.0.1:\(port)" }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, record: Record) {
        self.group = group
        self.channel = channel
        self.record = record
        port = channel.localAddress?.port ?? 0
    }

    static func with<T>(_ script: @escaping @Sendable (String) -> Reply, _ body: (LoopbackDNSServer) async throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let record = Record(script: script)
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Answerer(record: record)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = LoopbackDNSServer(group: group, channel: channel, record: record)
        do {
            let result = try await body(server)
            try? await channel.close()
            try? await group.shutdownGracefully()
            return result
        } catch {
            try? await channel.close()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// The question's name, from offset 12 of a query.
    static func name(in query: [UInt8]) -> String? {
        var labels: [String] = []
        var index = 12
        while index < query.count {
            let length = Int(query[index])
            if length == 0 { return labels.joined(separator: ".") }
            guard index + 1 + length <= query.count else { return nil }
            labels.append(String(decoding: query[(index + 1)...(index + length)], as: UTF8.self))
            index += length + 1
        }
        return nil
    }

    /// A response to `query`: same id and question, QR and RA set, `rcode`, `answers` A records.
    static func response(to query: [UInt8], rcode: UInt8, answers: Int, id: UInt16? = nil) -> [UInt8] {
        guard let name = name(in: query) else { return [] }
        let questionEnd = 12 + name.utf8.count + 2 + 4
        var bytes = Array(query[0..<12])
        if let id {
            bytes[0] = UInt8(id >> 8)
            bytes[1] = UInt8(id & 0xFF)
        }
        bytes[2] = 0x80 | (query[2] & 0x01)  // QR, RD copied
        bytes[3] = 0x80 | rcode  // RA
        bytes[6] = UInt8(answers >> 8)
        bytes[7] = UInt8(answers & 0xFF)
        bytes += query[12..<min(questionEnd, query.count)]
        for index in 0..<answers {
            bytes += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, UInt8(1 + index)]
        }
        return bytes
    }

    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>

        let record: Record

        init(record: Record) { self.record = record }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var envelope = unwrapInboundIn(data)
            let query = envelope.data.readBytes(length: envelope.data.readableBytes) ?? []
            guard let name = LoopbackDNSServer.name(in: query) else { return }
            let before = record.ask(name)
            var replies: [[UInt8]] = []
            switch record.script(name) {
            case .answers(let count): replies = [LoopbackDNSServer.response(to: query, rcode: 0, answers: count)]
            case .rcode(let code): replies = [LoopbackDNSServer.response(to: query, rcode: code, answers: 0)]
            case .silent: return
            case .loseFirst:
                if before == 0 { return }
                replies = [LoopbackDNSServer.response(to: query, rcode: 0, answers: 1)]
            case .strayThenAnswer:
                let id = UInt16(query[0]) << 8 | UInt16(query[1])
                replies = [
                    LoopbackDNSServer.response(to: query, rcode: 2, answers: 0, id: id &+ 1), LoopbackDNSServer.response(to: query, rcode: 0, answers: 2),
                ]
            }
            for reply in replies {
                context.write(
                    wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: reply))),
                    promise: nil)
            }
            context.flush()
        }
    }
}
