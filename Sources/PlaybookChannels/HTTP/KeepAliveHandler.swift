import NIOCore
import NIOHTTP1

/// One request written on a keep-alive connection, and where its answer goes: the waiting
/// caller is resumed straight from the connection's event loop (no promise and future between).
struct KeepAliveRequest {
    var method: HTTPMethod
    /// The whole request, as `HTTPRequestBytes` encoded it.
    var bytes: ByteBuffer
    var keepsAlive: Bool
    /// When the call gives up waiting for the answer (the step's timeout).
    var deadline: NIODeadline
    var answer: UnsafeContinuation<KeepAliveAnswer, any Error>
}

/// A complete answer, and whether the connection may carry another request.
struct KeepAliveAnswer: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer
    var reusable: Bool
}

/// Why a keep-alive call failed without an answer. `closedBeforeAnswer` on a reused connection is
/// the race of a server closing an idle connection as the request went out: nothing of the
/// request was answered, so the client may send it once more on a fresh connection.
enum KeepAliveFailure: Error, CustomStringConvertible {
    case closedBeforeAnswer
    case closedMidAnswer
    case timedOut
    case answerTooLarge(limit: Int)
    /// A header field the request cannot carry (not a token, or a value with a line break or
    /// another control character): nothing was sent.
    case invalidField(name: String)

    var description: String {
        switch self {
        case .closedBeforeAnswer: return "the server closed the connection without answering"
        case .closedMidAnswer: return "the server closed the connection in the middle of its answer"
        case .timedOut: return "no answer in time"
        case .answerTooLarge(let limit): return "the answer is larger than \(limit >> 20) MB"
        case .invalidField(let name): return "the header field '\(Self.printable(name))' cannot be sent: a name must be a token and a value may hold no line break or other control character"
        }
    }

    /// A field name as a message can show it: at most 40 characters, control characters as `?`.
    static func printable(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.prefix(40).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}

/// Writes one request at a time (no pipelining: the pool hands a connection to one caller until
/// its answer is complete) and assembles the answer. Informational (1xx) answers are skipped; a
/// connection that closes or fails fails the call in flight, and so does the request's deadline.
final class KeepAliveHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = KeepAliveRequest
    typealias OutboundOut = HTTPClientRequestPart

    static let bodyLimit = 4 << 20

    private var answer: UnsafeContinuation<KeepAliveAnswer, any Error>?
    /// When the call in flight gives up (nil between calls).
    private var deadline: NIODeadline?
    /// The connection's timer and when it goes off. Armed for a call's deadline and left armed
    /// when the call is answered: when it goes off it fails the call then in flight if that
    /// call's deadline has passed, or is armed again for it. So a connection schedules a timer
    /// once per timeout, not once per call, which cost a scheduled task's allocation, a heap
    /// insertion and a cancellation per delivery (bench/README.md).
    private var timer: (at: NIODeadline, task: Scheduled<Void>)?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var answering = false
    private var requestKeepsAlive = true

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        answer = request.answer
        head = nil
        body = nil
        answering = false
        requestKeepsAlive = request.keepsAlive
        guard context.channel.isActive else {
            // Closed before this request came: its `channelInactive` has already gone by.
            fail(.closedBeforeAnswer)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        // The head only tells the response decoder which method is answered (a HEAD's answer
        // has no body); `RawRequestEncoder` writes nothing for it and the bytes as they are.
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: request.method, uri: "/"))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(request.bytes))), promise: promise)
        // Timed once the request is written: a deadline that passed while connecting (a busy
        // machine) then fails this request as "no answer in time" instead of closing the
        // connection under a request not yet written, which read as "closed without answering".
        deadline = request.deadline
        if let timer, timer.at <= request.deadline { return }
        arm(at: request.deadline, context: context)
    }

    /// (Re)arms the connection's timer for `at`.
    private func arm(at: NIODeadline, context: ChannelHandlerContext) {
        timer?.task.cancel()
        let pipeline = context.pipeline
        let task = context.eventLoop.scheduleTask(deadline: at) {
            pipeline.fireUserInboundEventTriggered(TimerWentOff())
        }
        timer = (at, task)
    }

    /// The connection's timer went off (an inbound event, so that it reaches the handler on its loop).
    struct TimerWentOff {}

    private func timerWentOff(context: ChannelHandlerContext) {
        timer = nil
        guard let deadline, answer != nil else { return }
        if deadline <= .now() {
            fail(.timedOut)
            context.close(promise: nil)
        } else {
            arm(at: deadline, context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            answering = true
            // 1xx answers (but 101, which ends HTTP on this connection) precede the real one.
            if (100..<200).contains(received.status.code), received.status.code != 101 { return }
            head = received
        case .body(var part):
            answering = true
            guard head != nil else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > Self.bodyLimit {
                fail(.answerTooLarge(limit: Self.bodyLimit))
                context.close(promise: nil)
                return
            }
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let head, let answer else { return }
            self.answer = nil
            self.head = nil
            deadline = nil
            let reusable = head.isKeepAlive && requestKeepsAlive && head.status.code != 101
            let complete = KeepAliveAnswer(head: head, body: body ?? ByteBuffer(), reusable: reusable)
            body = nil
            answering = false
            answer.resume(returning: complete)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(answering ? .closedMidAnswer : .closedBeforeAnswer)
        timer?.task.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let answer {
            self.answer = nil
            deadline = nil
            answer.resume(throwing: error)
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TimerWentOff {
            timerWentOff(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func fail(_ failure: KeepAliveFailure) {
        guard let answer else { return }
        self.answer = nil
        deadline = nil
        answer.resume(throwing: failure)
    }
}

/// The last outbound handler of a keep-alive connection, in place of NIO's `HTTPRequestEncoder`:
/// a request arrives already encoded (`HTTPRequestBytes`) as one body part, written as it is; its
/// head part, there only for the response decoder to observe, writes nothing.
final class RawRequestEncoder: ChannelOutboundHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = ByteBuffer

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .body(.byteBuffer(let bytes)):
            context.write(wrapOutboundOut(bytes), promise: promise)
        case .head, .end:
            promise?.succeed()
        case .body(.fileRegion):
            promise?.fail(ChannelError.operationUnsupported)
        }
    }
}
