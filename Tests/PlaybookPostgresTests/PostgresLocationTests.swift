import Foundation
import PlaybookEngine
import PlaybookTestSupport
import Testing

@testable import PlaybookPostgres

/// `--state postgres://…` as a user writes it: no password is ever echoed, wherever it sits in
/// the URL, and a server on another host is never reached in plaintext unless the URL says so.
/// None of these needs a PostgreSQL server.
struct PostgresLocationTests {
    @Test func aPasswordInTheQueryIsNeverEchoed() {
        for url in [
            "postgres://ops@db.example.com/playbook?password=hunter2-query&application_name=x",
            "postgres://ops@db.example.com/playbook?sslmode=maybe&password=hunter2-query",
            "postgres://ops:hunter2-query@db.example.com/playbook?sslmode=maybe",
        ] {
            #expect(throws: JournalFailure.self) { try PostgresLocation(url: url) }
            do {
                _ = try PostgresLocation(url: url)
            } catch {
                #expect(!error.description.contains("hunter2"), "\(error.description)")
                #expect(error.description.contains("db.example.com"))
            }
        }
        #expect(PostgresLocation.redacted("postgres://ops@db/x?password=hunter2&sslmode=require") == "postgres://ops@db/x?password=***&sslmode=require")
        #expect(PostgresLocation.redacted("postgres://ops:p@ss@db/x") == "postgres://ops:***@db/x")
    }

    /// libpq's `?password=` is understood, not refused with the password in the message.
    @Test func theQueryPasswordIsUsed() throws {
        let location = try PostgresLocation(url: "postgres://ops@db.example.com/playbook?password=hunter2-query&sslmode=require")
        #expect(location.password == "hunter2-query")
        #expect(!location.description.contains("hunter2"))
    }

    @Test(arguments: [
        ("postgres://ops@db.example.com/playbook", PostgresLocation.TLSMode.require),
        ("postgres://ops@10.0.0.7:5433/playbook", .require),
        ("postgres://ops@127.0.0.1/playbook", .disable),
        ("postgres://ops@127.0.0.2/playbook", .disable),
        ("postgres://ops@localhost/playbook", .disable),
        ("postgres://ops@[::1]/playbook", .disable),
        ("postgres://ops@db.example.com/playbook?sslmode=disable", .disable),
        ("postgres://ops@db.example.com/playbook?sslmode=prefer", .prefer),
        ("postgres://ops@127.0.0.1/playbook?sslmode=require", .require),
    ])
    func tlsIsRequiredForAnotherHostUnlessTheURLSaysOtherwise(_ url: String, _ expected: PostgresLocation.TLSMode) throws {
        #expect(try PostgresLocation(url: url).tls == expected)
    }

    /// A server that answers the TLS request with "no" ('N'): with TLS required, the message
    /// says why and how to allow plaintext.
    @Test func aServerWithoutTLSIsRefusedWithTheReason() async throws {
        let output = Pipe()
        let script = 
            """
            import socket
            server = socket.socket()
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            print(server.getsockname()[1], flush=True)
            connection, _ = server.accept()
            connection.settimeout(10)
            connection.recv(8)
            connection.sendall(b"N")
            connection.recv(4096)
            """
        let peer = try ChildProcess("/usr/bin/env", ["python3", "-c", script], environment: ProcessInfo.processInfo.environment, standardOutput: output)
        defer { peer.signal(SIGKILL) }
        let first = await firstOutput(of: output)
        let port = try #require(Int(String(decoding: first, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let location = PostgresLocation(host: "127.0.0.1", port: port, user: "ops", password: "hunter2-x", database: "playbook", tls: .require)
        await #expect {
            _ = try await PostgresJournal.open(location)
        } throws: { error in
            let text = "\(error)"
            return text.contains("does not offer TLS") && text.contains("sslmode=disable") && !text.contains("hunter2")
        }
    }
}
