import NIOCore
import NIOHTTP1
import PlaybookEngine

extension HTTPTransport {
    /// A plain-http call through the keep-alive client, under the same rules as the other path:
    /// the same default `User-Agent`, a 3xx is a failure naming both hosts, the deadline is the
    /// step's timeout (connecting included), and failures are retryable and name the host only.
    func send(
        through keepAlive: KeepAliveHTTPClient, to plain: KeepAliveHTTPClient.Target, _ method: HTTPMethod, _ target: String,
        headers: [(String, String)], body: [UInt8]?, timeout: Double
    ) async throws(ChannelFailure) -> Response {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 3)
        for (name, value) in headers { fields.add(name: name, value: value) }
        if !fields.contains(name: "User-Agent") { fields.add(name: "User-Agent", value: Self.userAgent) }
        // Without a length NIO would frame a bodiless POST as chunked: say it is empty.
        if body == nil, method != .GET, method != .HEAD { fields.replaceOrAdd(name: "Content-Length", value: "0") }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(min(timeout, 1_000_000) * 1e9))
        do {
            let answer = try await keepAlive.execute(method, plain, headers: fields, body: body, deadline: deadline)
            let status = Int(answer.head.status.code)
            if let refused = Self.redirectFailure(status: status, location: answer.head.headers.first(name: "Location"), target: target) {
                throw refused
            }
            return Response(status: status, headers: answer.head.headers, body: Array(answer.body.readableBytesView))
        } catch let failure as ChannelFailure {
            throw failure
        } catch KeepAliveFailure.timedOut {
            throw .retryable("no answer from \(Self.hostOnly(target)) in time")
        } catch {
            throw .retryable("cannot reach \(Self.hostOnly(target)): \(redactor.redact(String(describing: error), limit: 120))")
        }
    }
}
