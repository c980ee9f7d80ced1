import HTTPTypes
import Hummingbird
import NIOCore
import PlaybookEngine
import Synchronization

/// The responder the listener answers with: set by `serve`, after the socket is bound (so that
/// `bind` can report the address it got before the caller knows what it will serve).
final class ResponderSlot: HTTPResponder, Sendable {
    typealias Context = BasicRequestContext

    let maximumBody: Int
    private let current = Mutex<(any HTTPResponder<BasicRequestContext>)?>(nil)

    init(maximumBody: Int) {
        self.maximumBody = maximumBody
    }

    func set(_ responder: any HTTPResponder<BasicRequestContext>) {
        current.withLock { $0 = responder }
    }

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        guard let responder = current.withLock({ $0 }) else {
            return WatchRequestResponder.response(WatchResponse(status: 503, body: JSONValueText.error("starting; try again")), method: request.method)
        }
        return try await responder.respond(to: request, context: context)
    }
}
