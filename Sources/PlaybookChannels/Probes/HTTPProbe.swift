import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PlaybookCore
import PlaybookEngine

/// The `http` check: a GET that follows redirects (the client's policy, up to 5) and passes
/// when the final status is in `expect`. The body is read only as far as needed and dropped.
public struct HTTPProbe: Sendable {
    let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    static let userAgent = "playbook-watch/\(PlaybookInfo.version) (+https://github.com/playbook)"

    public func probe(url: String, expect: ClosedRange<Int>, timeout: Double) async -> ProbeResult {
        switch await Self.get(client, url, timeout: timeout, keepBody: 0) {
        case .failure(let failure): return .down(failure.reason)
        case .success(let response):
            let ok = expect.contains(response.status)
            return ok ? .up("HTTP \(response.status)") : .down("HTTP \(response.status), expected \(expect.lowerBound)-\(expect.upperBound)")
        }
    }

    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// A GET bounded by `timeout` (redirects included) that keeps at most `keepBody` bytes of the
    /// body and stops reading there. Failures are worded for logs, with no path or query (they
    /// may hold tokens).
    static func get(_ client: HTTPClient, _ url: String, headers: [(String, String)] = [], timeout: Double, keepBody: Int) async -> Result<
        Response, ProbeFailure
    > {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let host = HTTPTransport.hostOnly(url)
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(saturating: timeout * 1_000_000_000)))
            var body: [UInt8] = []
            if keepBody > 0 {
                for try await chunk in response.body {
                    body += chunk.readableBytesView.prefix(keepBody - body.count)
                    if body.count >= keepBody { break }
                }
            }
            return .success(Response(status: Int(response.status.code), body: body))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failure(ProbeFailure("no answer from \(host) in \(PlaybookCore.Duration.format(seconds: timeout))"))
        } catch let error as HTTPClientError where error == .redirectLimitReached || error == .redirectCycleDetected {
            return .failure(ProbeFailure("\(host): too many redirects"))
        } catch {
            return .failure(ProbeFailure("cannot reach \(host): \(HTTPTransport.describe(error))"))
        }
    }
}

/// Why a probe or source read failed, in words for the log.
struct ProbeFailure: Error, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
