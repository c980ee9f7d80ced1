import Foundation
import PlaybookCore
import PlaybookEngine

/// What every provider adapter does the same way when it calls a provider's HTTP API: request
/// encodings and auth headers, rate-limit hints, and failures that name the channel and never
/// quote its secrets.
enum ProviderAPI {
    /// Characters left as they are in a form or query value (RFC 3986 unreserved).
    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func percentEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// `application/x-www-form-urlencoded` text of the pairs, in order.
    static func formText(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    static func form(_ pairs: [(String, String)]) -> [UInt8] { Array(formText(pairs).utf8) }

    static func json(_ value: JSONValue) -> [UInt8] { Array(value.serialized().utf8) }

    static let formContentType = ("Content-Type", "application/x-www-form-urlencoded")
    static let jsonContentType = ("Content-Type", "application/json")

    static func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer \(token)") }

    static func basic(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    /// The text a network receives for a post or message: the text, then the link after a space
    /// (the way `PostLength` counts it at validate time).
    static func postText(_ message: OutboundMessage) -> String {
        guard let link = message.link, !link.isEmpty else { return message.text }
        return message.text.isEmpty ? link : message.text + " " + link
    }

    /// A provider's own words, on one line, without the channel's secrets, and short enough for a
    /// log line. Redacted before it is cut: providers quote what they were sent ("Malformed
    /// access token EAAB…"), and a token cut in half would no longer be recognised.
    /// `transport` brings the playbook's secrets, `secrets` the adapter's own.
    static func snippet(_ text: String, hiding secrets: [String], of transport: HTTPTransport, limit: Int = 200) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return transport.redactor.adding(secrets).redact(line, limit: limit)
    }

    /// The seconds until an epoch time in seconds (X's `x-rate-limit-reset`, Bluesky's `ratelimit-reset`).
    static func secondsUntil(epoch value: String?, now: Date = Date()) -> Double? {
        guard let value, let epoch = Double(value.trimmingCharacters(in: .whitespaces)) else { return nil }
        return max(0, epoch - now.timeIntervalSince1970)
    }

    /// The seconds until an ISO 8601 time (Mastodon's `X-RateLimit-Reset`).
    static func secondsUntil(iso8601 value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: value) { return max(0, date.timeIntervalSince(now)) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
    }

    /// Runs one adapter operation; the failure it throws names the channel (`what`, as in
    /// "telegram 'news'") and no secret: providers sometimes quote what they were sent
    /// ("Malformed access token EAAB…").
    static func guarded<T>(_ what: String, _ secrets: [String], _ body: () async throws(ChannelFailure) -> T) async throws(ChannelFailure) -> T {
        do {
            return try await body()
        } catch {
            throw error.naming(what).redacting(secrets)
        }
    }
}

extension ChannelFailure {
    /// The same failure, its message starting with the channel it concerns.
    func naming(_ what: String) -> ChannelFailure {
        guard !message.hasPrefix(what) else { return self }
        var copy = self
        copy.message = "\(what): \(message)"
        return copy
    }

    /// The same failure with each secret, in every spelling (`SecretRedactor`), replaced by `[redacted]`.
    func redacting(_ secrets: [String]) -> ChannelFailure {
        var copy = self
        copy.message = SecretRedactor(secrets: secrets).redact(message)
        return copy
    }
}

extension HTTPTransport.Response {
    /// The body as a JSON object, when it is one.
    var object: [String: Any]? { json as? [String: Any] }

    var isSuccess: Bool { (200..<300).contains(status) }
}

/// Reading loosely typed JSON members (JSONSerialization's output).
extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? {
        switch self[key] {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    func int(_ key: String) -> Int? {
        switch self[key] {
        case let number as NSNumber: return number.intValue
        case let text as String: return Int(text)
        default: return nil
        }
    }

    func double(_ key: String) -> Double? {
        switch self[key] {
        case let number as NSNumber: return number.doubleValue
        case let text as String: return Double(text)
        default: return nil
        }
    }

    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
}
