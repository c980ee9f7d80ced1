import HTTPTypes
import Hummingbird
import NIOCore
import PlaybookEngine

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
