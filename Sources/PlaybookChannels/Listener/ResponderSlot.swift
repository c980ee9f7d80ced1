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

/// Answers Hummingbird requests with a `WatchRequest` handler (`Watcher.handle`, the tests' own).
public struct WatchRequestResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let handler: @Sendable (WatchRequest) async -> WatchResponse
    let maximumBody: Int

    public init(handler: @escaping @Sendable (WatchRequest) async -> WatchResponse, maximumBody: Int) {
        self.handler = handler
        self.maximumBody = maximumBody
    }

    public func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        Self.response(await handler(try await Self.watchRequest(request, maximumBody: maximumBody)), method: request.method)
    }

    /// The request as the watcher reads it. The body is bounded twice before this (the guard's
    /// 413), so collecting it here cannot grow past `maximumBody`.
    static func watchRequest(_ request: Request, maximumBody: Int) async throws -> WatchRequest {
        let bytes = try await request.body.collect(upTo: maximumBody)
        return WatchRequest(
            method: request.method.rawValue, path: request.uri.path, headers: request.headers.map { ($0.name.canonicalName, $0.value) },
            body: Array(bytes.readableBytesView))
    }

    static func response(_ response: WatchResponse, method: HTTPRequest.Method) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = response.contentType
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        let buffer = ByteBuffer(string: response.body)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(
            status: HTTPResponse.Status(code: response.status), headers: headers, body: method == .head ? ResponseBody() : ResponseBody(byteBuffer: buffer))
    }
}

/// Waits in `bind` for the server to be bound, or for why it could not be.
final class StartSignal: Sendable {
    private let state = Mutex<(result: Result<SocketAddress?, any Error>?, waiter: CheckedContinuation<SocketAddress?, any Error>?)>((nil, nil))

    func bound(_ address: SocketAddress?) { finish(.success(address)) }
    func failed(_ error: any Error) { finish(.failure(error)) }

    func address() async throws -> SocketAddress? {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<SocketAddress?, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func finish(_ result: Result<SocketAddress?, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<SocketAddress?, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }
}

/// `{"error": reason}` for refusals written by the listener itself.
enum JSONValueText {
    static func error(_ reason: String) -> String {
        "{\"error\":\"" + reason.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"}\n"
    }
}
