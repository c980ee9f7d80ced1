import Foundation
import PlaybookEngine
import Testing

@testable import PlaybookChannels

/// A step's `timeout` bounds an email delivery as a whole, in place of the channel's own connect
/// and reply timeouts: a slow server gets the time the step allows, and a stuck one is left when
/// the step's time is up, not when a longer reply timeout runs out.
@Suite struct SMTPStepTimeoutTests {
    /// Plain SMTP without pipelining. `slow-data`: the final reply to DATA comes after 2 s.
    /// `hang-rcpt`: RCPT is never answered.
    static let script = #"""
        import socket, sys, time
        mode = sys.argv[1]
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        print(server.getsockname()[1], flush=True)
        connection, _ = server.accept()
        connection.settimeout(30)
        lines = connection.makefile("rb")
        connection.sendall(b"220 mx.example ESMTP\r\n")
        in_data = False
        for raw in lines:
            line = raw.rstrip(b"\r\n")
            if in_data:
                if line == b".":
                    in_data = False
                    if mode == "slow-data":
                        time.sleep(2)
                    connection.sendall(b"250 2.0.0 queued\r\n")
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                connection.sendall(b"250 mx.example\r\n")
            elif verb == b"RCPT":
                if mode == "hang-rcpt":
                    time.sleep(60)
                connection.sendall(b"250 ok\r\n")
            elif verb == b"DATA":
                in_data = True
                connection.sendall(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                connection.sendall(b"221 bye\r\n")
                break
            else:
                connection.sendall(b"250 ok\r\n")
        """#

    func channel(port: Int, replyTimeout: Int64) throws -> SMTPChannel {
        let configuration = SMTPConfiguration(
            host: "127.0.0.1", port: port, security: .none, credentials: nil, tlsContext: nil, replyTimeout: .seconds(replyTimeout))
        return SMTPChannel(name: "mail", configuration: configuration, from: try MailAddress(parsing: "ops@example.com"))
    }

    @Test func aSlowServerGetsTheTimeTheStepAllows() async throws {
        try await ScriptedPeer.with(Self.script, arguments: ["slow-data"]) { port in
            let smtp = try channel(port: port, replyTimeout: 1)
            // The step allows 2 minutes: far more than the 2 s the server takes, whatever else the machine runs.
            let receipt = try await CallTimeout.$seconds.withValue(120) { try await smtp.send(.notify(to: "ann@example.com", subject: "Hi", "hello")) }
            #expect(receipt.providerID?.hasPrefix("<") == true)
            await smtp.close()
        }
    }

    @Test func aStuckServerIsLeftWhenTheStepsTimeIsUp() async throws {
        try await ScriptedPeer.with(Self.script, arguments: ["hang-rcpt"]) { port in
            let smtp = try channel(port: port, replyTimeout: 300)
            let started = Date()
            let failed = await failure { try await CallTimeout.$seconds.withValue(0.5) { try await smtp.send(.notify(to: "ann@example.com", "hello")) } }
            #expect(failed?.isRetryable == true)
            #expect(failed?.message.contains("in time") == true, "\(failed?.message ?? "")")
            // Far below the 300 s reply timeout and the peer's 60 s hang (after which it would
            // answer and the delivery succeed), with room for a machine busy with other tests.
            #expect(Date().timeIntervalSince(started) < 50)
            await smtp.close()
        }
    }
}
