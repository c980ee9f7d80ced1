import Foundation
import Testing

@testable import PlaybookChannels

/// STARTTLS (RFC 3207 §4.2): nothing the server sent before the handshake may be taken as an
/// answer after it. A peer on the path can append a "220" and capabilities to the EHLO reply,
/// in plaintext; a client that queued them would start TLS on the forged 220 and then read the
/// forged "250 SIZE 10" as the encrypted server's capabilities.
@Suite struct SMTPStartTLSInjectionTests {
    /// A scripted server: greets, answers EHLO with STARTTLS offered plus `injected`, in one
    /// write, then records what the client sends until it closes the connection.
    static let script = #"""
        import socket, sys
        injected = sys.argv[1].encode().decode("unicode_escape").encode()
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        print(server.getsockname()[1], flush=True)
        connection, _ = server.accept()
        connection.sendall(b"220 mx.example ESMTP\r\n")
        received = b""
        while b"\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                sys.exit(0)
            received += chunk
        connection.sendall(b"250-mx.example\r\n250 STARTTLS\r\n" + injected)
        connection.settimeout(10)
        try:
            while connection.recv(4096):
                pass
        except Exception:
            pass
        """#

    func open(port: Int) async throws -> SMTPError? {
        var configuration = SMTPConfiguration(
            host: "127.0.0.1", port: port, security: .starttls, credentials: nil, tlsContext: try SMTPConfiguration.tlsContext(extraTrustRootsFile: nil))
        configuration.replyTimeout = .seconds(3)
        do {
            let connection = try await SMTPConnection.open(configuration)
            try? await connection.channel.close()
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [#"220 2.0.0 Ready to start TLS\r\n250 SIZE 10\r\n"#, #"250 SIZE 10\r\n"#])
    func repliesSentBeforeSTARTTLSAreRefused(_ injected: String) async throws {
        try await ScriptedPeer.with(Self.script, arguments: [injected]) { port in
            let error = try await open(port: port)
            guard case .protocolViolation(let detail)? = error else {
                Issue.record("expected the plaintext ahead of TLS to be refused, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("before STARTTLS"))
        }
    }
}
