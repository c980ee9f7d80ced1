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
        let deadline = NIODeadline.now() + .nanoseconds(Int64(min(timeout, 1_000_000) * 1e9))
        do {
            let answer = try await keepAlive.execute(method, plain, headers: headers, userAgent: Self.userAgent, body: body, deadline: deadline)
            let status = Int(answer.head.status.code)
            if let refused = Self.redirectFailure(status: status, location: answer.head.headers.first(name: "Location"), target: target) {
                throw refused
            }
            return Response(status: status, headers: answer.head.headers, body: Array(answer.body.readableBytesView))
        } catch let failure as ChannelFailure {
            throw failure
        } catch KeepAliveFailure.timedOut {
            throw .retryable("no answer from \(Self.hostOnly(target)) in time")
        } catch let refused as KeepAliveFailure {
            if case .invalidField = refused { throw .permanent("cannot call \(Self.hostOnly(target)): \(refused)") }
            throw .retryable("cannot reach \(Self.hostOnly(target)): \(refused)")
        } catch {
            throw unreachable(target, error)
        }
    }
}
