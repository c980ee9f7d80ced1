import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PlaybookEngine

/// The HTTP side every HTTP adapter shares: sends one request with AsyncHTTPClient, applies a
/// channel's `base_url` (which replaces the API's scheme, host and port), and turns transport
/// failures into retryable `ChannelFailure`s that name no secret.
///
/// Redirects are never followed (the client comes from `LiveChannels.clientConfiguration`): a
/// provider API does not redirect a POST, and a redirect would carry the channel's headers, its
/// signature and its body to whatever host the answer names. A 3xx fails the call, naming both
/// hosts.
public struct HTTPTransport: Sendable {
    public let client: HTTPClient
    public let baseURL: String?
    /// Masks every `${env.X}` value of the playbook in what the adapters quote of an answer and
    /// in transport errors, before either is cut to length. Built once per channel.
    let redactor: SecretRedactor
    /// The lean keep-alive client that takes this transport's plain `http://` calls, when the
    /// channel uses one (the `webhook` channel); `https://` always goes through `client`.
    let keepAlive: KeepAliveHTTPClient?

    /// How long a call may take when no step bounds it (`playbook channels check`); a step's
    /// `timeout` (`CallTimeout`) replaces it, longer or shorter.
    public static let defaultTimeout = 30.0

    public init(client: HTTPClient, baseURL: String?, secrets: [String] = [], keepAlive: KeepAliveHTTPClient? = nil) {
        self.client = client
        self.baseURL = baseURL
        self.redactor = SecretRedactor(secrets: secrets)
        self.keepAlive = keepAlive
    }

    static let userAgent = "playbook/0.1 (+https://github.com/playbook)"

    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
        public func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// `url` with its scheme, host and port replaced by `base_url`'s, when the channel has one.
    public func resolve(_ url: String) -> String {
        guard let baseURL, let base = URLComponents(string: baseURL), var target = URLComponents(string: url) else { return url }
        target.scheme = base.scheme
        target.host = base.host
        target.port = base.port
        if !base.path.isEmpty, base.path != "/" { target.path = base.path.hasSuffix("/") ? String(base.path.dropLast()) + target.path : base.path + target.path }
        return target.string ?? url
    }

    /// Sends a request, bounded by the step's timeout (`CallTimeout`) when a step makes the call,
    /// else by `timeout`. A redirect answer is a failure (see the type's comment).
    public func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Double = defaultTimeout
    ) async throws(ChannelFailure) -> Response {
        let timeout = CallTimeout.seconds ?? timeout
        let target = resolve(url)
        if let keepAlive, let plain = keepAlive.target(target) {
            return try await send(through: keepAlive, to: plain, method, target, headers: headers, body: body, timeout: timeout)
        }
        // Refused here as on the keep-alive path: permanent, naming the field, never its value.
        if let (name, _) = headers.first(where: { !HTTPRequestBytes.isValidField(name: $0.0, value: $0.1) }) {
            throw .permanent("cannot call \(Self.hostOnly(target)): \(KeepAliveFailure.invalidField(name: name))")
        }
        var request = HTTPClientRequest(url: target)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !request.headers.contains(name: "User-Agent") { request.headers.add(name: "User-Agent", value: Self.userAgent) }
        if let body { request.body = .bytes(body) }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            if let refused = Self.redirectFailure(status: Int(response.status.code), location: response.headers.first(name: "Location"), target: target) {
                throw refused
            }
            let bytes = try await response.body.collect(upTo: 4 << 20)
            return Response(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
        } catch let failure as ChannelFailure {
            throw failure
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw .retryable("no answer from \(Self.hostOnly(target)) in time")
        } catch {
            throw unreachable(target, error)
        }
    }

    /// A call that could not reach `target`: retryable, naming the host only, with the reason in
    /// plain words when it is a connection failure, else the error redacted and cut.
    func unreachable(_ target: String, _ error: any Error) -> ChannelFailure {
        .retryable("cannot reach \(Self.hostOnly(target)): \(ConnectionFailureReason.of(error) ?? redactor.redact(String(describing: error), limit: 120))")
    }

    /// A 3xx answer (but 304, which is no redirect) as a permanent failure naming the host that
    /// answered and the one it pointed to — scheme, host and port only, as paths may hold tokens.
    static func redirectFailure(status: Int, location: String?, target: String) -> ChannelFailure? {
        guard (300..<400).contains(status), status != 304 else { return nil }
        var elsewhere = ""
        if let location, let resolved = URL(string: location, relativeTo: URL(string: target))?.absoluteURL.absoluteString {
            elsewhere = " to \(hostOnly(resolved))"
        }
        return .permanent("\(hostOnly(target)) answered HTTP \(status), a redirect\(elsewhere); provider calls do not follow redirects: check the channel's URL")
    }

    /// Scheme, host and port only: paths may carry tokens (Telegram's /bot<TOKEN>/, webhook URLs).
    public static func hostOnly(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "the server" }
        return "\(components.scheme ?? "https")://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }

    /// An error of AsyncHTTPClient or NIO on one line, cut to 120 characters. Their descriptions
    /// name a host and an errno, never a path or a header; `send` still redacts before cutting.
    static func describe(_ error: any Error) -> String {
        ConnectionFailureReason.of(error) ?? SecretRedactor.cut(String(describing: error), limit: 120)
    }

    /// The seconds a `Retry-After` header asks to wait (seconds or an HTTP date).
    public static func retryAfter(_ value: String?) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// The usual reading of an HTTP status for a provider without a richer error envelope.
    public static func classify(_ response: Response, what: String) -> ChannelFailure? {
        switch response.status {
        case 200..<300: return nil
        case 429, 503: return .retryable("\(what): rate limited or unavailable (HTTP \(response.status))", after: retryAfter(response.header("Retry-After")))
        case 408, 500..<600: return .retryable("\(what): server error (HTTP \(response.status))", after: retryAfter(response.header("Retry-After")))
        case 401, 403: return .permanent("\(what): the credentials were refused (HTTP \(response.status))")
        case 404, 410: return .permanent("\(what): not found (HTTP \(response.status)); was it deleted?")
        default: return .permanent("\(what): rejected (HTTP \(response.status))")
        }
    }
}
