import NIOCore
import NIOSSL
import PlaybookEngine

/// What went wrong talking to an SMTP server, before it is told to the engine as a
/// `ChannelFailure`. Never carries a password: replies are the server's words, and the commands
/// this client sent are not quoted.
enum SMTPError: Error, Sendable {
    /// No TCP connection (refused, unreachable, DNS).
    case connect(String)
    /// The server closed the connection, or it broke.
    case connectionLost
    /// No reply in time.
    case timeout
    /// The TLS handshake failed: an untrusted or mismatched certificate, no common protocol.
    case tls(String)
    /// Bytes that are not an SMTP reply, or plaintext smuggled after STARTTLS's 220.
    case protocolViolation(String)
    /// A reply that refused what `stage` asked ("RCPT TO", "AUTH").
    case refused(SMTPReply, stage: String)
    /// The server cannot do what the channel is configured for (no STARTTLS, no AUTH).
    case unsupported(String)
    /// The message cannot be sent as it is (a malformed address, too large).
    case invalidMessage(String)
    case cancelled

    /// Maps an error that NIO or NIOSSL threw.
    static func from(_ error: any Error) -> SMTPError {
        if let error = error as? SMTPError { return error }
        if error is CancellationError { return .cancelled }
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let inner): return .tls(describeHandshake("\(inner)"))
            case .uncleanShutdown: return .connectionLost
            default: return .tls("\(error)")
            }
        }
        if let error = error as? NIOSSLExtraError {
            if error == .failedToValidateHostname { return .tls("the server's certificate is not for this host name") }
            return .tls("\(error)")
        }
        if let error = error as? ChannelError {
            if case .connectTimeout = error { return .connect("connection timed out") }
            return .connectionLost
        }
        return .connectionLost
    }

    /// BoringSSL's reasons, without its source paths.
    static func describeHandshake(_ text: String) -> String {
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate could not be verified (an untrusted issuer, expired, or self-signed; "
                + "a private CA can be added with PLAYBOOK_SMTP_CA_FILE)"
        }
        let reasons = text.components(separatedBy: ":").filter { $0.uppercased() == $0 && $0.contains("_") }
        return "handshake failed" + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ").lowercased().replacingOccurrences(of: "_", with: " ")))")
    }

    /// Whether the connection can carry another transaction after this error.
    var connectionIsUsable: Bool {
        switch self {
        case .refused(let reply, _): return reply.code != 421
        case .invalidMessage: return true
        default: return false
        }
    }

    /// The failure the engine sees: 4yz, 421, timeouts and lost connections are retryable; 5yz,
    /// TLS and configuration problems are permanent.
    func failure(channel: String, server: String) -> ChannelFailure {
        let prefix = "smtp channel '\(channel)'"
        switch self {
        case .connect(let detail): return .retryable("\(prefix): cannot connect to \(server): \(detail)")
        case .connectionLost: return .retryable("\(prefix): \(server) closed the connection")
        case .timeout: return .retryable("\(prefix): no reply from \(server) in time")
        case .tls(let detail): return .permanent("\(prefix): TLS with \(server) failed: \(detail)")
        case .protocolViolation(let detail): return .retryable("\(prefix): \(server) broke the SMTP protocol: \(detail)")
        case .refused(let reply, let stage):
            let what = "\(server) refused \(stage): \(reply.summary)"
            if reply.isTransient { return .retryable("\(prefix): \(what)") }
            if reply.isPermanent { return .permanent("\(prefix): \(what)") }
            return .retryable("\(prefix): unexpected reply to \(stage) from \(server): \(reply.summary)")
        case .unsupported(let detail): return .permanent("\(prefix): \(server) \(detail)")
        case .invalidMessage(let detail): return .permanent("\(prefix): \(detail)")
        case .cancelled: return .retryable("\(prefix): cancelled")
        }
    }
}
