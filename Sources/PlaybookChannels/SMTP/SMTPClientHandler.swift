import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// What the connection asks of its handler: bytes to send (a command, or a whole message), one
/// promise per reply those bytes will draw, in order. No bytes and one promise reads a reply the
/// server sends unasked (the greeting).
struct SMTPRequest: Sendable {
    var bytes: ByteBuffer?
    var replies: [EventLoopPromise<SMTPReply>]
    /// For STARTTLS: the TLS handler to put in front of the pipeline as soon as the 220 arrives,
    /// before any further byte is read.
    var startTLS: TLSUpgrade?
    /// When the replies must have come: the end of the step's timeout for the delivery making
    /// this request (`SMTPDeadline`); nil waits the configured reply timeout.
    var deadline: NIODeadline? = nil

    struct TLSUpgrade: Sendable {
        var context: NIOSSLContext
        var serverHostname: String?
    }
}

/// Frames the server's bytes into replies (RFC 5321 §4.2) and hands each to the promise of the
/// command that drew it. Runs on the channel's event loop only.
///
/// When the connection breaks, times out or talks nonsense, every waiting promise fails with
/// the reason, the channel is closed, and later requests fail at once with the same reason.
final class SMTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    /// Longest reply accepted: RFC 5321 allows 512 octets a line; a server that sends far more is
    /// not a mail server.
    static let maxReplyBytes = 64 * 1024

    private let replyTimeout: TimeAmount
    private let outcome: SMTPConnectionOutcome
    private var buffer = ByteBuffer()
    private var pendingCode: Int?
    private var pendingLines: [String] = []
    private var waiting = CircularBuffer<(promise: EventLoopPromise<SMTPReply>, startTLS: SMTPRequest.TLSUpgrade?, deadline: NIODeadline?)>()
    /// Replies that came with nobody waiting (the greeting, a 421 before a command).
    private var unasked = CircularBuffer<SMTPReply>()
    private var failure: SMTPError?
    private var timer: Scheduled<Void>?

    init(replyTimeout: TimeAmount, outcome: SMTPConnectionOutcome) {
        self.replyTimeout = replyTimeout
        self.outcome = outcome
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            for reply in request.replies { reply.fail(failure) }
            promise?.fail(failure)
            return
        }
        if request.startTLS != nil, !unasked.isEmpty || buffer.readableBytes > 0 || !pendingLines.isEmpty {
            // Replies nobody asked for yet came in plaintext ahead of the handshake: a server
            // never answers STARTTLS before it is sent, someone on the path injecting a "220"
            // and capabilities for after TLS does. Nothing read before TLS may be used after it.
            let violation = SMTPError.protocolViolation("the server sent replies before STARTTLS was sent (plaintext ahead of TLS)")
            for reply in request.replies { reply.fail(violation) }
            promise?.fail(violation)
            fail(violation, context: context)
            return
        }
        for (index, reply) in request.replies.enumerated() {
            waiting.append((reply, index == 0 ? request.startTLS : nil, request.deadline))
        }
        if let bytes = request.bytes {
            context.write(wrapOutboundOut(bytes), promise: promise)
        } else {
            promise?.succeed()
        }
        while !waiting.isEmpty, let reply = unasked.popFirst() { deliver(reply, context: context) }
        armTimer(context: context)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        do {
            while let line = try nextLine() {
                try consume(line, context: context)
            }
            if buffer.readableBytes > Self.maxReplyBytes {
                throw SMTPError.protocolViolation("a reply line longer than \(Self.maxReplyBytes) bytes")
            }
        } catch {
            fail(SMTPError.from(error), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(failure ?? .connectionLost, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(SMTPError.from(error), context: context)
    }

    /// The next CRLF-terminated line (a bare LF is accepted too), without its terminator.
    private func nextLine() throws -> String? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - buffer.readerIndex
        guard var bytes = buffer.readBytes(length: length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 1)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        buffer.discardReadBytes()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One line of a reply: `250-PIPELINING` continues, `250 OK` (or a bare `250`) ends it.
    private func consume(_ line: String, context: ChannelHandlerContext) throws {
        let scalars = Array(line.utf8)
        guard scalars.count >= 3, scalars[0...2].allSatisfy({ (0x30...0x39).contains($0) }),
            scalars.count == 3 || scalars[3] == UInt8(ascii: " ") || scalars[3] == UInt8(ascii: "-"),
            let code = Int(String(decoding: scalars[0...2], as: UTF8.self)), (200...599).contains(code)
        else {
            throw SMTPError.protocolViolation("not an SMTP reply: \(String(line.prefix(60)).debugDescription)")
        }
        if let pendingCode, pendingCode != code {
            throw SMTPError.protocolViolation("a multi-line reply changed its code from \(pendingCode) to \(code)")
        }
        pendingCode = code
        pendingLines.append(scalars.count > 4 ? String(decoding: scalars[4...], as: UTF8.self) : "")
        guard scalars.count == 3 || scalars[3] == UInt8(ascii: " ") else { return }
        let reply = SMTPReply(code: code, lines: pendingLines)
        pendingCode = nil
        pendingLines = []
        if waiting.isEmpty {
            unasked.append(reply)
        } else {
            deliver(reply, context: context)
        }
    }

    private func deliver(_ reply: SMTPReply, context: ChannelHandlerContext) {
        let (promise, startTLS, _) = waiting.removeFirst()
        timer?.cancel()
        timer = nil
        if let startTLS, reply.code == 220 {
            // Bytes already read after the 220 came in plaintext and must not be taken as if they
            // had come through TLS (the STARTTLS command-injection attack).
            guard buffer.readableBytes == 0, pendingLines.isEmpty, unasked.isEmpty else {
                promise.fail(SMTPError.protocolViolation("data after the STARTTLS reply, before TLS"))
                fail(.protocolViolation("data after the STARTTLS reply, before TLS"), context: context)
                return
            }
            do {
                let tls = try NIOSSLClientHandler(context: startTLS.context, serverHostname: startTLS.serverHostname)
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                promise.fail(SMTPError.from(error))
                fail(SMTPError.from(error), context: context)
                return
            }
        }
        promise.succeed(reply)
        armTimer(context: context)
    }

    /// Waits for the first reply expected: until its request's deadline, else the reply timeout.
    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, let first = waiting.first else { return }
        let expire = { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.fail(.timeout, context: context)
        }
        if let deadline = first.deadline {
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline, expire)
        } else {
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: replyTimeout, expire)
        }
    }

    private func fail(_ error: SMTPError, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        let first = failure == nil
        if first {
            failure = error
            outcome.record(error)
        }
        while let (promise, _, _) = waiting.popFirst() { promise.fail(failure ?? error) }
        if first { context.close(promise: nil) }
    }
}

/// Why a connection ended, readable off the event loop: a write that comes after the pipeline
/// is gone fails with a bare "closed channel", and this tells the real reason (a TLS failure).
final class SMTPConnectionOutcome: Sendable {
    private let error = Mutex<SMTPError?>(nil)

    /// Keeps the first reason only: what follows it is its consequence.
    func record(_ error: SMTPError) {
        self.error.withLock { if $0 == nil { $0 = error } }
    }

    var failure: SMTPError? { error.withLock { $0 } }
}
