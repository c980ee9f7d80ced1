import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import PlaybookChannels
@testable import PlaybookEngine

/// What a stranger can do to `watch --listen` on loopback, and what the listener does back:
/// connections beyond its limit get 503, a request head that never completes and an idle
/// keep-alive connection are closed, a body declared too large gets 413 before it is sent.
/// The timeouts are shortened here; `theStandardLimitsAreThoseOfTheContract` shows the real ones.
@Suite struct ListenerLimitsTests {
    /// A raw TCP peer: sends bytes as they are, records what comes back and when the listener closes.
    final class Peer: Sendable {
        let channel: any Channel
        private let received: Locked<[UInt8]>

        private init(channel: any Channel, received: Locked<[UInt8]>) {
            self.channel = channel
            self.received = received
        }

        static func connect(_ port: Int) async throws -> Peer {
            let received = Locked<[UInt8]>([])
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Recorder(received)) }
                }
                .connect(host: "127.0.0.1", port: port).get()
            return Peer(channel: channel, received: received)
        }

        func send(_ text: String) async throws {
            try await channel.writeAndFlush(ByteBuffer(string: text)).get()
        }

        var text: String { String(decoding: received.current, as: UTF8.self) }
        var isOpen: Bool { channel.isActive }

        /// Waits until `condition` holds or `seconds` pass; returns whether it held.
        func until(within seconds: Double, _ condition: (Peer) -> Bool) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition(self) { return true }
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            return condition(self)
        }

        func close() async { try? await channel.close() }

        private final class Recorder: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            let received: Locked<[UInt8]>
            init(_ received: Locked<[UInt8]>) { self.received = received }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                let buffer = unwrapInboundIn(data)
                received.withLock { $0 += buffer.readableBytesView }
            }
        }
    }

    /// The standard limits, with the timeouts a test is about shortened (and a short linger).
    static func quick(head: Double = 30, idle: Double = 30) -> WatchListener.Limits {
        var limits = WatchListener.Limits()
        limits.head = .milliseconds(Int64(head * 1000))
        limits.idle = .milliseconds(Int64(idle * 1000))
        limits.linger = .milliseconds(500)
        return limits
    }

    /// A listener answering 200 "ok" to everything, for the duration of `body`.
    static func serving(_ limits: WatchListener.Limits, _ body: (WatchListener) async throws -> Void) async throws {
        let listener = try await WatchListener.bind(host: "127.0.0.1", port: 0, limits: limits)
        let serving = Task { await listener.serve { _ in WatchResponse(status: 200, contentType: "text/plain", body: "ok\n") } }
        do {
            try await body(listener)
        } catch {
            await listener.close()
            await serving.value
            throw error
        }
        await listener.close()
        await serving.value
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    @Test func theStandardLimitsAreThoseOfTheContract() {
        let limits = WatchListener.Limits.standard
        #expect(limits.connections == 256)
        #expect(limits.head == .seconds(30))
        #expect(limits.idle == .seconds(30))
        #expect(limits.maximumBody == 1 << 20)
        #expect(limits == WatchListener.Limits())
    }

    @Test func connectionsBeyondTheLimitGet503AndTheListenerKeepsAnswering() async throws {
        // A head timeout longer than the test: on a loaded machine, opening 300 connections can take
        // seconds, and the first ones must still hold their places when the last arrive.
        try await Self.serving(Self.quick(head: 120)) { listener in
            // 300 connections that never send anything.
            var idle: [Peer] = []
            for _ in 0..<300 { idle.append(try await Peer.connect(listener.port)) }
            // The 256 first are served (waiting for their head); the 44 others are answered 503 and closed.
            let refused = await idle[256...].asyncAll { await $0.until(within: 20) { $0.text.hasPrefix("HTTP/1.1 503 ") } }
            #expect(refused)
            #expect(idle[299].text.contains("256 connections at once"))
            #expect(await idle[299].until(within: 20) { !$0.isOpen })
            #expect(idle[0..<256].allSatisfy { $0.text.isEmpty })

            // While they hold every place, a health check is refused at once rather than left hanging...
            let crowded = try await Peer.connect(listener.port)
            try? await crowded.send(Self.healthz)
            #expect(await crowded.until(within: 20) { $0.text.hasPrefix("HTTP/1.1 503 ") })
            await crowded.close()
            // ...and once they are gone, it answers.
            for peer in idle { await peer.close() }
            var answered = false
            for _ in 0..<20 where !answered {
                // (The listener frees a place just after the peer sees the close: a retry covers that instant.)
                let later = try await Peer.connect(listener.port)
                try? await later.send(Self.healthz)
                _ = await later.until(within: 2) { $0.text.hasSuffix("\n") && $0.text.contains("\r\n\r\n") }
                answered = later.text.hasPrefix("HTTP/1.1 200 OK") && later.text.hasSuffix("ok\n")
                await later.close()
                if !answered { try await Task.sleep(nanoseconds: 50_000_000) }
            }
            #expect(answered)
        }
    }

    @Test func aBodyDeclaredTooLargeGets413BeforeItIsSent() async throws {
        try await Self.serving(Self.quick()) { listener in
            let peer = try await Peer.connect(listener.port)
            let started = Date()
            // 1 GB announced, not a byte of it sent.
            try await peer.send("POST /alert HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
            #expect(await peer.until(within: 20) { $0.text.contains("the body is over 1048576 bytes") })
            #expect(peer.text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
            #expect(peer.text.lowercased().contains("connection: close"))
            // At once: well before any timeout (30 s) could have ended the wait for the body.
            #expect(Date().timeIntervalSince(started) < 20)
            #expect(await peer.until(within: 20) { !$0.isOpen })
        }
    }

    @Test func aChunkedBodyIsCutOffOnceItPassesTheLimit() async throws {
        try await Self.serving(Self.quick()) { listener in
            let peer = try await Peer.connect(listener.port)
            try await peer.send("POST /alert HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = String(repeating: "x", count: 65_536)
            for _ in 0..<17 { try? await peer.send(String(65_536, radix: 16) + "\r\n" + chunk + "\r\n") }
            #expect(await peer.until(within: 20) { $0.text.hasPrefix("HTTP/1.1 413 ") })
            #expect(await peer.until(within: 20) { !$0.isOpen })
        }
    }

    @Test func aRequestHeadThatNeverCompletesIsClosedAfterTheHeadTimeout() async throws {
        // (Seconds rather than milliseconds: on a loaded machine a client can take a while to write.)
        try await Self.serving(Self.quick(head: 2)) { listener in
            // Its time runs from the connection, so from before it.
            let started = Date()
            let peer = try await Peer.connect(listener.port)
            try? await peer.send("POST /alert HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            #expect(await peer.until(within: 20) { !$0.isOpen })
            let after = Date().timeIntervalSince(started)
            #expect(after >= 1.9 && after < 20, "closed after \(after) s")
            #expect(peer.text.isEmpty)
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        // An idle limit of seconds: on a loaded machine the second request can take a while to
        // follow the first answer, and must still find the connection open.
        try await Self.serving(Self.quick(head: 10, idle: 6)) { listener in
            let peer = try await Peer.connect(listener.port)
            try await peer.send(Self.healthz)
            #expect(await peer.until(within: 20) { $0.text.hasSuffix("ok\n") })
            let answered = Date()
            // Kept alive, for a while: a second request on it is answered.
            try await peer.send(Self.healthz)
            #expect(await peer.until(within: 20) { $0.text.components(separatedBy: "HTTP/1.1 200 OK").count == 3 })
            #expect(await peer.until(within: 20) { !$0.isOpen })
            let after = Date().timeIntervalSince(answered)
            #expect(after >= 5.9 && after < 30, "closed after \(after) s")
        }
    }

    @Test func loopbackAddressesAreKnownAsSuch() {
        for ip in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] { #expect(WatchListener.isLoopback(ip), "\(ip)") }
        for ip in ["0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "fe80::1", nil] as [String?] { #expect(!WatchListener.isLoopback(ip)) }
    }
}

extension Sequence where Element: Sendable {
    /// Whether `predicate` holds for every element, asked one after another.
    func asyncAll(_ predicate: (Element) async -> Bool) async -> Bool {
        for element in self where !(await predicate(element)) { return false }
        return true
    }
}
