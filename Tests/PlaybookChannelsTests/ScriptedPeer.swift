import Foundation
import Testing

/// A peer that plays a short Python script (given inline) on a loopback port: for protocol
/// misbehaviour no real server shows on demand (plaintext injected ahead of TLS, a reply that
/// comes late or never). The script prints its port first; the process is killed afterwards.
enum ScriptedPeer {
    static func with(_ script: String, arguments: [String] = [], _ body: (Int) async throws -> Void) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [SMTPTestServer.python, "-c", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let line = String(decoding: await firstOutput(of: output), as: UTF8.self)
        let port = try #require(Int(line.trimmingCharacters(in: .whitespacesAndNewlines)), "the scripted peer did not start: \(line)")
        try await body(port)
    }
}

/// The first bytes written into `pipe` (empty at its end), read on a thread of its own: the read
/// blocks until the peer's Python has started, and must not hold one of the few threads the
/// parallel tests share.
func firstOutput(of pipe: Pipe) async -> Data {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.availableData) }
    }
}
