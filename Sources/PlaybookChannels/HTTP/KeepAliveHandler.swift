import NIOCore
import NIOHTTP1

/// One request written on a keep-alive connection, and where its answer goes.
struct KeepAliveRequest {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var answer: EventLoopPromise<KeepAliveAnswer>
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

    var description: String {
        switch self {
        case .closedBeforeAnswer: return "the server closed the connection without answering"
        case .closedMidAnswer: return "the server closed the connection in the middle of its answer"
        case .timedOut: return "no answer in time"
        case .answerTooLarge(let limit): return "the answer is larger than \(limit >> 20) MB"
        }
    }
}

/// Writes one request at a time (no pipelining: the pool hands a connection to one caller until
/// its answer is complete) and assembles the answer. Informational (1xx) answers are skipped; a
/// connection that closes or fails fails the call in flight.
final class KeepAliveHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = KeepAliveRequest
    typealias OutboundOut = HTTPClientRequestPart

    static let bodyLimit = 4 << 20

    private var answer: EventLoopPromise<KeepAliveAnswer>?
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
        requestKeepsAlive = request.head.isKeepAlive
        guard context.channel.isActive else {
            // Closed before this request came: its `channelInactive` has already gone by.
            fail(.closedBeforeAnswer)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
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
            let reusable = head.isKeepAlive && requestKeepsAlive && head.status.code != 101
            answer.succeed(KeepAliveAnswer(head: head, body: body ?? ByteBuffer(), reusable: reusable))
            body = nil
            answering = false
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(answering ? .closedMidAnswer : .closedBeforeAnswer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let answer {
            self.answer = nil
            answer.fail(error)
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let failure = event as? KeepAliveFailure {
            fail(failure)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func fail(_ failure: KeepAliveFailure) {
        guard let answer else { return }
        self.answer = nil
        answer.fail(failure)
    }
}
