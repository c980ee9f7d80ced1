import Foundation
import NIOCore
import NIOPosix

/// Why a connection could not be made, in a few words a person reads under stress: "connection
/// refused" rather than NIO's `Connection errors: SingleConnectionFailure(target: [IPv4]…, error:
/// connection reset (error set): Connection refused (errno: 111))`, which a 120-character cut
/// used to leave half-read. Nil for an error that is not about connecting (a TLS failure keeps
/// its own description: what it says about the certificate is the point).
enum ConnectionFailureReason {
    static func of(_ error: any Error) -> String? {
        if let failed = error as? NIOConnectionError {
            if failed.connectionErrors.isEmpty, failed.dnsAError != nil || failed.dnsAAAAError != nil {
                return "its name '\(failed.host)' does not resolve"
            }
            guard let first = failed.connectionErrors.first else { return nil }
            return of(first.error) ?? "cannot connect to \(first.target)"
        }
        if let failed = error as? IOError { return of(errno: failed.errnoCode) }
        if let failed = error as? ChannelError, case .connectTimeout = failed { return "no connection in time" }
        return nil
    }

    /// The usual `errno`s of a failed connect, said plainly; others as the C library says them.
    static func of(errno code: CInt) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused: nothing listens on that port"
        case ECONNRESET: return "connection reset by the server"
        case EHOSTUNREACH: return "no route to the host"
        case ENETUNREACH: return "the network is unreachable"
        case ETIMEDOUT: return "no connection in time"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
