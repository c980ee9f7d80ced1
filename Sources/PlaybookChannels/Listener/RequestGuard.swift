import NIOCore
import NIOHTTP1

/// Sits between the HTTP parser and the request handler, and closes what would hold the
/// listener: a connection that does not send a complete request head in time (`Limits.head`,
/// then `Limits.idle` between keep-alive requests), a body that does not arrive in time
/// (`Limits.body`), and a body over `Limits.maximumBody` — answered 413 from its
/// `Content-Length` before a byte of it is read (or as soon as a chunked body passes the limit).
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request head: the first one, or the next one on a kept-alive connection.
        case awaitingHead
        case readingBody(bytes: Int)
        /// The request is complete; the handler is answering it.
        case answering
        /// Answered 413; the rest of the input is drained, then the connection closed.
        case refusing
    }

    private let limits: WatchListener.Limits
    private var state = State.awaitingHead
    private var deadline: Scheduled<Void>?

    init(limits: WatchListener.Limits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { closeUnlessProgress(context, within: limits.head) }
    }

    func channelActive(context: ChannelHandlerContext) {
        closeUnlessProgress(context, within: limits.head)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.refusing, _):
            return
        case (_, .head(let head)):
            if let declared = head.headers.first(name: "Content-Length").flatMap(Int.init), declared > limits.maximumBody {
                refuseTooLarge(context, version: head.version)
                return
            }
            state = .readingBody(bytes: 0)
            closeUnlessProgress(context, within: limits.body)
        case (.readingBody(let bytes), .body(let buffer)):
            let total = bytes + buffer.readableBytes
            if total > limits.maximumBody {
                refuseTooLarge(context, version: .http1_1)
                return
            }
            state = .readingBody(bytes: total)
        case (_, .end):
            cancelDeadline()
            state = .answering
        default:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), case .answering = state {
            // Answered: the connection may wait for its next request, for a while.
            state = .awaitingHead
            closeUnlessProgress(context, within: limits.idle)
        }
        context.write(data, promise: promise)
    }

    /// Closes the connection when `time` passes before the next step of a request cancels it.
    private func closeUnlessProgress(_ context: ChannelHandlerContext, within time: TimeAmount) {
        cancelDeadline()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: time) { channel.close(promise: nil) }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    /// 413 at once, then a half-close and a short drain so that the peer reads the answer.
    private func refuseTooLarge(_ context: ChannelHandlerContext, version: HTTPVersion) {
        state = .refusing
        let body = JSONValueText.error("the body is over \(limits.maximumBody) bytes")
        var head = HTTPResponseHead(version: version, status: .payloadTooLarge)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        head.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(mode: .output, promise: nil) }
        closeUnlessProgress(context, within: limits.linger)
    }
}
