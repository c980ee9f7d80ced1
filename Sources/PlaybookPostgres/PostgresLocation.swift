import Foundation
import PlaybookEngine

/// A `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=...` URL, parsed. Its description
/// never shows the password.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    var password: String?
    public var database: String
    public var tls: TLSMode

    /// Whether `state` names a PostgreSQL database rather than a directory.
    public static func isURL(_ state: String) -> Bool {
        state.hasPrefix("postgres://") || state.hasPrefix("postgresql://")
    }

    public init(url text: String) throws(JournalFailure) {
        guard Self.isURL(text), let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw JournalFailure(description: "not a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE): \(Self.redacted(text))")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        // Without one in the URL, libpq's PGPASSWORD: a URL on a command line is visible in `ps`.
        password = components.password.flatMap { $0.removingPercentEncoding } ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw JournalFailure(description: "unknown sslmode '\(item.value ?? "")' in \(Self.redacted(text)) (disable, prefer or require)")
                }
            default:
                throw JournalFailure(description: "unknown parameter '\(item.name)' in \(Self.redacted(text)) (only sslmode is understood)")
            }
        }
        // Loopback needs no TLS, and a local test cluster has none.
        if tls == .prefer, host == "127.0.0.1" || host == "localhost" || host == "::1" { tls = .disable }
        self.tls = tls
    }

    public init(host: String, port: Int, user: String, password: String?, database: String, tls: TLSMode) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// The same server and credentials, another database.
    public func with(database: String) -> PostgresLocation {
        var copy = self
        copy.database = database
        return copy
    }

    /// `postgres://USER@HOST:PORT/DATABASE`: what messages show.
    public var description: String { "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    /// The URL as text for messages: the password, if any, replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard let at = text.range(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at.lowerBound else { return text }
        let credentials = text[scheme.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }
}
