import NIOCore

/// Answers a connection beyond the listener's limit with 503 (or closes it unanswered), without
/// parsing anything it sends.
///
/// After the answer the connection is half-closed and drained for `linger`: closing a socket with
/// unread input resets it, and the peer would see a reset instead of the 503.
final class OverloadRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answer: Bool
    private let limit: Int
    private let linger: TimeAmount
    private var closing: Scheduled<Void>?

    init(answer: Bool, limit: Int, linger: TimeAmount) {
        self.answer = answer
        self.limit = limit
        self.linger = linger
    }

    func channelActive(context: ChannelHandlerContext) {
        guard answer else {
            context.close(promise: nil)
            return
        }
        let body = JSONValueText.error("the listener serves \(limit) connections at once; try again")
        let response =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\nRetry-After: 1\r\n\r\n" + body
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
        closing = context.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Drained, never read.
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing?.cancel()
        closing = nil
        context.fireChannelInactive()
    }
}
