import NIOCore
import NIOSSL

/// How the connection is protected (docs/channels.md: `security`).
enum SMTPSecurity: String, Sendable, CaseIterable {
    /// Plain TCP, then STARTTLS before anything else (RFC 3207); port 587.
    case starttls
    /// TLS from the first byte ("implicit TLS", RFC 8314); port 465.
    case tls
    /// No encryption; port 25. Only for relays on a trusted network.
    case none

    var defaultPort: Int {
        switch self {
        case .starttls: return 587
        case .tls: return 465
        case .none: return 25
        }
    }
}

/// Everything needed to open an authenticated session with one submission server.
struct SMTPConfiguration: Sendable {
    var host: String
    var port: Int
    var security: SMTPSecurity
    /// AUTH credentials (RFC 4954); nil sends without authenticating.
    var credentials: Credentials?
    /// The client context for `tls` and `starttls`, verifying the server's certificate chain and
    /// name. Built by `SMTPConfiguration.tlsContext(extraTrustRootsFile:)`.
    var tlsContext: NIOSSLContext?
    /// The name sent in EHLO; nil sends the address literal of the local end ("[192.0.2.1]"),
    /// which RFC 5321 §4.1.4 allows when the client has no meaningful host name.
    var clientName: String?
    var connectTimeout: TimeAmount = .seconds(30)
    /// How long any one reply may take (RFC 5321 §4.5.3.2 suggests minutes; a playbook step has 2).
    var replyTimeout: TimeAmount = .seconds(90)

    struct Credentials: Sendable {
        var username: String
        var password: String
    }

    /// "host:port", for messages.
    var server: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The TLS client context: the system's trust roots, plus the certificates of
    /// `extraTrustRootsFile` (PEM) when given — how tests (and shops with a private relay) trust
    /// a server whose certificate no public CA signed. Certificate and host name verification
    /// stay on.
    static func tlsContext(extraTrustRootsFile: String?) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        if let extraTrustRootsFile, !extraTrustRootsFile.isEmpty {
            tls.additionalTrustRoots = [.file(extraTrustRootsFile)]
        }
        return try NIOSSLContext(configuration: tls)
    }
}
