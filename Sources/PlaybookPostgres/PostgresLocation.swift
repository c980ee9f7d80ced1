import Foundation
import PlaybookEngine

/// A `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=...` URL, parsed. Its description
/// never shows the password.
///
/// Without `sslmode`, a server on another host is reached over TLS only (`require`): the journal
/// holds customers' addresses, and `prefer` would fall back to plaintext without a word. A
/// loopback server is reached without TLS (a local cluster usually has none).
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
        var tls: TLSMode = Self.isLoopback(host) ? .disable : .require
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw JournalFailure(description: "unknown sslmode '\(item.value ?? "")' in \(Self.redacted(text)) (disable, prefer or require)")
                }
            case "password":
                // libpq's spelling; the URL's user part is the other.
                password = item.value
            default:
                throw JournalFailure(description: "unknown parameter '\(item.name)' in \(Self.redacted(text)) (sslmode and password are understood)")
            }
        }
        self.tls = tls
    }

    /// 127.0.0.0/8, ::1 and `localhost`: where plaintext never leaves the machine.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
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

    /// The URL as text for messages: the password, if any, and the value of every query
    /// parameter but `sslmode` (`?password=` is libpq's other spelling) replaced by `***`.
    public static func redacted(_ text: String) -> String {
        var address = text
        var query: String?
        if let mark = text.firstIndex(of: "?") {
            address = String(text[..<mark])
            query = String(text[text.index(after: mark)...])
        }
        if let scheme = address.range(of: "://"), let at = address[scheme.upperBound...].lastIndex(of: "@"),
            let colon = address[scheme.upperBound..<at].firstIndex(of: ":")
        {
            address = String(address[..<colon]) + ":***" + String(address[at...])
        }
        guard let query else { return address }
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
            let name = parameter[..<equals]
            return name == "sslmode" ? String(parameter) : name + "=***"
        }
        return address + "?" + parameters.joined(separator: "&")
    }
}
