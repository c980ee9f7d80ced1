import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import Testing

/// What a fake provider plays for one call.
enum Play: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case success, unauthorized, notFound, rateLimited, serverError, hang

    static let failures: [Play] = [.unauthorized, .notFound, .rateLimited, .serverError, .hang]
    var testDescription: String { rawValue }
}

/// How an adapter must read one failure the fake plays.
struct Expected: Sendable {
    var retryable: Bool
    /// The retry hint the adapter must parse from the provider's own signal (nil: none).
    var after: ClosedRange<Double>?
    /// Words the message must contain (the provider's error, in the user's terms).
    var mentions: String
}

/// The adapters' timeout in tests: a hung fake must fail the call quickly.
let shortTimeout = 0.5

/// Runs `body` with a fake provider and a transport whose `base_url` points at it.
func withFake<T: Sendable>(_ handler: @escaping LoopbackHTTPServer.Handler, _ body: (LoopbackHTTPServer, HTTPTransport) async throws -> T) async throws -> T {
    try await LoopbackHTTPServer.with(handler) { server in
        try await HTTPTransport.with(baseURL: server.baseURL) { transport in try await body(server, transport) }
    }
}

/// The failure `body` throws, or nil when it succeeds (any other error is an issue).
func failure<T>(_ body: () async throws -> T) async -> ChannelFailure? {
    do {
        _ = try await body()
        return nil
    } catch let failure as ChannelFailure {
        return failure
    } catch {
        Issue.record("not a ChannelFailure: \(error)")
        return nil
    }
}

/// Checks a failure against what the play expects, and that no secret appears in its message.
func expect(_ failure: ChannelFailure?, _ expected: Expected?, secrets: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    guard let failure else {
        Issue.record("the call succeeded; expected a failure", sourceLocation: sourceLocation)
        return
    }
    guard let expected else {
        Issue.record("no expectation for this play", sourceLocation: sourceLocation)
        return
    }
    #expect(failure.isRetryable == expected.retryable, "\(failure.message)", sourceLocation: sourceLocation)
    #expect(failure.message.contains(expected.mentions), "\(failure.message)", sourceLocation: sourceLocation)
    if case .retryable(let after) = failure.kind {
        if let range = expected.after {
            #expect(after.map { range.contains($0) } == true, "retry hint \(String(describing: after)) not in \(range)", sourceLocation: sourceLocation)
        } else {
            #expect(after == nil, "unexpected retry hint \(String(describing: after))", sourceLocation: sourceLocation)
        }
    }
    expectNoSecrets(in: failure.message, secrets, sourceLocation: sourceLocation)
}

func expectNoSecrets(in text: String, _ secrets: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    for secret in secrets {
        #expect(!text.contains(secret), "a secret leaked into: \(text)", sourceLocation: sourceLocation)
        let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
        #expect(!text.contains(encoded), "a secret leaked (percent-encoded) into: \(text)", sourceLocation: sourceLocation)
    }
}

/// The hang play always reads the same: a retryable timeout.
let hangExpected = Expected(retryable: true, after: nil, mentions: "no answer from http://127.0.0.1")

extension OutboundMessage {
    static func post(_ text: String, link: String? = nil, key: String = "inc-1/speak/chan") -> OutboundMessage {
        OutboundMessage(playbook: "meta-outage", incident: "inc-1", step: "speak", action: "post", idempotencyKey: key, text: text, link: link)
    }

    static func notify(to address: String, subject: String? = nil, _ text: String, key: String = "inc-1/warn/c1/chan") -> OutboundMessage {
        OutboundMessage(
            playbook: "meta-outage", incident: "inc-1", step: "warn", action: "notify", idempotencyKey: key, address: address, subject: subject, text: text)
    }
}

/// Seconds since 1970 as the text an epoch header carries.
func epoch(in seconds: Double) -> String { String(Int(Date().timeIntervalSince1970 + seconds)) }

func basic(_ user: String, _ password: String) -> String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

/// A value shared between a fake's handler (on NIO threads) and the test.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
    var current: Value { lock.withLock { value } }
}

/// Keys of a JSON object, sorted, for exact-shape checks.
func keys(_ object: [String: Any]?) -> [String] { (object ?? [:]).keys.sorted() }
