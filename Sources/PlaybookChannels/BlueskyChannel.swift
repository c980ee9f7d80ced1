import Foundation
import PlaybookCore
import PlaybookEngine

/// The `bluesky` channel: a post on the account `handle`, signed in with an app password.
///
/// Requests, as documented at https://docs.bsky.app/docs/api/com-atproto-server-create-session ,
/// https://docs.bsky.app/docs/api/com-atproto-server-refresh-session and
/// https://docs.bsky.app/docs/api/com-atproto-repo-create-record :
/// - `POST {service}/xrpc/com.atproto.server.createSession` with JSON `{"identifier", "password"}`
///   answers `{"accessJwt", "refreshJwt", "did", "handle"}`. The session is made once and reused
///   for every post (createSession is limited to 30 calls in 5 minutes).
/// - `POST {service}/xrpc/com.atproto.repo.createRecord`, `Authorization: Bearer <accessJwt>`,
///   JSON `{"repo": did, "collection": "app.bsky.feed.post", "record": {"$type":
///   "app.bsky.feed.post", "text", "createdAt", "facets"}}` answers `{"uri", "cid"}`. Links in
///   the text get link facets (https://docs.bsky.app/docs/advanced-guides/post-richtext), with
///   UTF-8 byte offsets, so that they are clickable.
/// - When the access token has expired (`400 {"error": "ExpiredToken"}`), `POST
///   .../com.atproto.server.refreshSession` with `Authorization: Bearer <refreshJwt>` renews it;
///   when the refresh token is expired too, a new session is made. Then the post is sent again.
///
/// Errors are `{"error", "message"}` (https://atproto.com/specs/xrpc#error-responses): 401
/// AuthenticationRequired (handle or app password refused) and 400 InvalidRequest (e.g. text
/// over 300 graphemes) are permanent; 429 RateLimitExceeded with `ratelimit-reset` (epoch
/// seconds, https://docs.bsky.app/docs/advanced-guides/rate-limits) and 5xx are retryable.
/// createRecord takes no idempotency key: a retry after a lost answer may post twice.
public actor BlueskyChannel: MessageChannel, ChannelCheck {
    public static let defaultService = "https://bsky.social"

    struct Session: Sendable, Equatable {
        var accessJwt: String
        var refreshJwt: String
        var did: String
    }

    let name: String
    let transport: HTTPTransport
    let handle: String
    let appPassword: String
    let service: String
    let timeout: Double
    private var session: Session?
    private var signingIn: Task<Result<Session, ChannelFailure>, Never>?
    private var renewing: Task<Result<Session, ChannelFailure>, Never>?

    public init(name: String, transport: HTTPTransport, handle: String, appPassword: String, service: String?, timeout: Double = 30) {
        self.name = name
        self.transport = transport
        self.handle = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        self.appPassword = appPassword
        var service = (service ?? Self.defaultService).trimmingCharacters(in: .whitespaces)
        while service.hasSuffix("/") { service.removeLast() }
        self.service = service
        self.timeout = timeout
    }

    private var what: String { "bluesky '\(name)'" }
    /// Every token this channel has held, so that none can appear in a message.
    private var tokens: Set<String> = []
    private func xrpc(_ method: String) -> String { "\(service)/xrpc/\(method)" }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await guarded { () async throws(ChannelFailure) -> DeliveryReceipt in
            let text = ProviderAPI.postText(message)
            var current = try await currentSession()
            var renewed = false
            while true {
                let response = try await transport.send(
                    .POST, xrpc("com.atproto.repo.createRecord"),
                    headers: [ProviderAPI.bearer(current.accessJwt), ProviderAPI.jsonContentType],
                    body: ProviderAPI.json(Self.createRecord(repo: current.did, text: text, at: Date())), timeout: timeout)
                if response.isSuccess { return DeliveryReceipt(providerID: response.object?.string("uri")) }
                if !renewed, Self.isExpired(response) {
                    renewed = true
                    current = try await renew(current)
                    continue
                }
                throw failure(response, during: "post")
            }
        }
    }

    /// Signs in (createSession): the handle and app password work.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await guarded { () async throws(ChannelFailure) -> ChannelCheckResult in
            let made = try await currentSession()
            return .ok("signed in as @\(handle) (\(made.did))")
        }
    }

    private func guarded<T>(_ body: () async throws(ChannelFailure) -> T) async throws(ChannelFailure) -> T {
        do {
            return try await body()
        } catch {
            throw error.naming(what).redacting([appPassword] + Array(tokens))
        }
    }

    private func keep(_ made: Session) -> Session {
        session = made
        tokens.formUnion([made.accessJwt, made.refreshJwt])
        return made
    }

    /// The body of createRecord for one post.
    static func createRecord(repo: String, text: String, at date: Date) -> JSONValue {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var record: [(String, JSONValue)] = [
            ("$type", .string("app.bsky.feed.post")), ("text", .string(text)), ("createdAt", .string(formatter.string(from: date))),
        ]
        let facets = linkFacets(in: text)
        if !facets.isEmpty { record.append(("facets", .array(facets))) }
        return .object([("repo", .string(repo)), ("collection", .string("app.bsky.feed.post")), ("record", .object(record))])
    }

    /// A link facet for each http(s) URL in the text, with UTF-8 byte offsets.
    static func linkFacets(in text: String) -> [JSONValue] {
        var facets: [JSONValue] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) where word.hasPrefix("https://") || word.hasPrefix("http://") {
            var uri = word
            while let last = uri.last, ".,;:!?)\"'".contains(last) { uri.removeLast() }
            let start = text.utf8.distance(from: text.startIndex, to: uri.startIndex)
            facets.append(
                .object([
                    ("index", .object([("byteStart", .number(Double(start))), ("byteEnd", .number(Double(start + uri.utf8.count)))])),
                    ("features", .array([.object([("$type", .string("app.bsky.richtext.facet#link")), ("uri", .string(String(uri)))])])),
                ]))
        }
        return facets
    }

    static func isExpired(_ response: HTTPTransport.Response) -> Bool {
        (response.status == 400 || response.status == 401) && response.object?.string("error") == "ExpiredToken"
    }

    // MARK: Session

    /// The session, signing in when there is none; concurrent posts share one sign-in.
    private func currentSession() async throws(ChannelFailure) -> Session {
        if let session { return session }
        if let signingIn { return try await signingIn.value.get() }
        let task = Task { await self.createSession() }
        signingIn = task
        let result = await task.value
        signingIn = nil
        return keep(try result.get())
    }

    /// A fresh access token after `stale` expired: refreshSession, or a new session when the
    /// refresh token is refused. Concurrent posts share one renewal; a session another post
    /// already renewed is used as it is.
    private func renew(_ stale: Session) async throws(ChannelFailure) -> Session {
        if let session, session != stale { return session }
        if let renewing { return try await renewing.value.get() }
        let task = Task { await self.refreshSession(stale) }
        renewing = task
        let result = await task.value
        renewing = nil
        return keep(try result.get())
    }

    private func refreshSession(_ stale: Session) async -> Result<Session, ChannelFailure> {
        do throws(ChannelFailure) {
            let response = try await transport.send(
                .POST, xrpc("com.atproto.server.refreshSession"), headers: [ProviderAPI.bearer(stale.refreshJwt)], timeout: timeout)
            if response.isSuccess, let renewed = Self.session(from: response, did: stale.did) { return .success(renewed) }
            if (400..<500).contains(response.status), response.status != 429 { return await createSession() }
            throw failure(response, during: "refreshing the session")
        } catch {
            return .failure(error)
        }
    }

    private func createSession() async -> Result<Session, ChannelFailure> {
        do throws(ChannelFailure) {
            let body = JSONValue.object([("identifier", .string(handle)), ("password", .string(appPassword))])
            let response = try await transport.send(
                .POST, xrpc("com.atproto.server.createSession"), headers: [ProviderAPI.jsonContentType], body: ProviderAPI.json(body), timeout: timeout)
            guard response.isSuccess else { throw failure(response, during: "signing in") }
            guard let made = Self.session(from: response, did: nil) else { throw .retryable("\(what): Bluesky answered createSession without tokens") }
            return .success(made)
        } catch {
            return .failure(error)
        }
    }

    static func session(from response: HTTPTransport.Response, did: String?) -> Session? {
        guard let body = response.object, let access = body.string("accessJwt"), let refresh = body.string("refreshJwt"),
            let did = body.string("did") ?? did
        else { return nil }
        return Session(accessJwt: access, refreshJwt: refresh, did: did)
    }

    func failure(_ response: HTTPTransport.Response, during step: String) -> ChannelFailure {
        let body = response.object ?? [:]
        let error = body.string("error") ?? ""
        let said = body.string("message").map { ProviderAPI.snippet($0, hiding: [appPassword] + Array(tokens), of: transport) } ?? ""
        let tag = " (" + [error.isEmpty ? nil : error, said.isEmpty ? nil : said, "HTTP \(response.status)"].compactMap { $0 }.joined(separator: ": ") + ")"
        let lower = said.lowercased()
        switch response.status {
        case 429:
            let after = ProviderAPI.secondsUntil(epoch: response.header("ratelimit-reset")) ?? HTTPTransport.retryAfter(response.header("Retry-After"))
            return .retryable("\(what): Bluesky is rate limiting \(step)\(tag)", after: after)
        case 500..<600:
            return .retryable("\(what): Bluesky server error while \(step)\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        default:
            break
        }
        if step == "signing in", response.status == 401 || error == "AuthenticationRequired" {
            return .permanent("\(what): Bluesky refused the handle or app password\(tag)")
        }
        switch error {
        case "AccountTakedown", "AccountDeactivated":
            return .permanent("\(what): the account is suspended or deactivated\(tag)")
        case "ExpiredToken", "InvalidToken", "AuthenticationRequired":
            return .permanent("\(what): Bluesky refused the session\(tag)")
        case "InvalidRequest" where lower.contains("longer than") || lower.contains("too long"):
            return .permanent("\(what): the text is over Bluesky's limit of 300 characters\(tag)")
        default:
            break
        }
        switch response.status {
        case 401, 403: return .permanent("\(what): Bluesky refused the credentials\(tag)")
        case 404: return .permanent("\(what): no AT Protocol service at \(HTTPTransport.hostOnly(service)); check 'service'\(tag)")
        default: return .permanent("\(what): Bluesky rejected \(step == "post" ? "the post" : step)\(tag)")
        }
    }
}
