import Foundation
import PlaybookTestSupport
import Testing

/// A peer that plays a short Python script (given inline) on a loopback port: for protocol
/// misbehaviour no real server shows on demand (plaintext injected ahead of TLS, a reply that
/// comes late or never). The script prints its port first; the process is killed afterwards.
enum ScriptedPeer {
    static func with(_ script: String, arguments: [String] = [], _ body: (Int) async throws -> Void) async throws {
        let output = Pipe()
        let process = try ChildProcess(
            "/usr/bin/env", [SMTPTestServer.python, "-c", script] + arguments, environment: ProcessInfo.processInfo.environment, standardOutput: output)
        defer { process.signal(SIGKILL) }
        let line = String(decoding: await firstOutput(of: output), as: UTF8.self)
        let port = try #require(Int(line.trimmingCharacters(in: .whitespacesAndNewlines)), "the scripted peer did not start: \(line)")
        try await body(port)
    }
}
