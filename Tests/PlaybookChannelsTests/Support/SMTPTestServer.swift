import Foundation
import PlaybookTestSupport
import Testing

/// A real SMTP server (Python's aiosmtpd, `Support/smtp_server.py`) in a process of its own,
/// saving every message it accepts in a temporary directory.
///
/// Needs `python3` with `aiosmtpd` (scripts/test installs it); without them the test fails and
/// says so, rather than being skipped.
final class SMTPTestServer: @unchecked Sendable {
    enum Mode: String { case plain, starttls, tls }

    /// The user and password the server takes with `auth: true`.
    static let user = "playbook"
    static let password = "s3cret-P4ss,word"

    let port: Int
    let directory: URL
    let certificate: TestCertificate?
    private let process: ChildProcess
    /// Held open while the server should run: it exits when this closes, even if the tests crash.
    private let input: Pipe

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_server.py").path
    }

    /// Starts a server and returns once it listens. Python's start-up (aiosmtpd's imports, a
    /// certificate from openssl) is waited for on a thread of its own: a blocking wait here held
    /// one of the two threads the parallel tests share, and under load the other tests' peers
    /// gave up on them (their 30 s socket timeouts) while both threads waited for Python.
    static func start(
        mode: Mode = .plain, auth: Bool = false, mechanisms: String = "PLAIN,LOGIN", pipelining: Bool = true, closeAfter: Int = 0
    ) async throws -> SMTPTestServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try SMTPTestServer(mode: mode, auth: auth, mechanisms: mechanisms, pipelining: pipelining, closeAfter: closeAfter)
                })
            }
        }
    }

    private init(mode: Mode, auth: Bool, mechanisms: String, pipelining: Bool, closeAfter: Int) throws {
        directory = TestScratch.root.appendingPathComponent("smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = [Self.python, Self.script, directory.appendingPathComponent("mail").path, "--mode", mode.rawValue, "--auth-mechanisms", mechanisms]
        if mode != .plain {
            let certificate = try TestCertificate(in: directory)
            self.certificate = certificate
            arguments += ["--cert", certificate.certificatePath, "--key", certificate.keyPath]
        } else {
            certificate = nil
        }
        if auth { arguments.append("--auth") }
        if !pipelining { arguments.append("--no-pipelining") }
        if closeAfter > 0 { arguments += ["--close-after", String(closeAfter)] }

        let output = Pipe()
        let input = Pipe()
        self.input = input
        let errorLog = directory.appendingPathComponent("server.err")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorLog)
        defer { try? errorHandle.close() }
        let process: ChildProcess
        do {
            process = try ChildProcess(
                "/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment,
                standardInput: input, standardOutput: output, standardError: errorHandle)
        } catch {
            throw StartFailure(description: "cannot start \(Self.python): \(error). The smtp tests need python3 with aiosmtpd (scripts/test installs it).")
        }
        self.process = process
        // The server prints its port when it listens; EOF means it died first.
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            Self.end(process)
            try? input.fileHandleForWriting.close()
            let stderr = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: directory)
            throw StartFailure(
                description: """
                    the test SMTP server did not start. The smtp tests need python3 with aiosmtpd \
                    (scripts/test installs it: python3 -m pip install aiosmtpd).
                    \(stderr)
                    """)
        }
        self.port = port
    }

    static var python: String { ProcessInfo.processInfo.environment["PLAYBOOK_TEST_PYTHON"] ?? "python3" }

    func stop() {
        try? input.fileHandleForWriting.close()
        Self.end(process)
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM, then SIGKILL if it is still there after two seconds.
    private static func end(_ process: ChildProcess) {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        process.signal(SIGKILL)
        _ = process.blockingWaitForExit()
    }

    deinit { stop() }

    // MARK: What the server saw

    /// One accepted message: its envelope, the raw bytes and how Python's email package reads it.
    struct Message {
        var number: Int
        var raw: [UInt8]
        var record: [String: Any]

        var rawText: String { String(decoding: raw, as: UTF8.self) }
        var mailFrom: String { record["mail_from"] as? String ?? "" }
        var recipients: [String] { record["rcpt_tos"] as? [String] ?? [] }
        var mailOptions: [String] { record["mail_options"] as? [String] ?? [] }
        var connection: Int { record["connection"] as? Int ?? -1 }
        var tls: Bool { record["tls"] as? Bool ?? false }
        var auth: String? { record["auth"] as? String }
        var parsed: [String: Any] { record["message"] as? [String: Any] ?? [:] }
        /// Decoded header values by name, as a mail reader shows them.
        func header(_ name: String) -> String? {
            let headers = parsed["headers"] as? [[String]] ?? []
            return headers.first { $0.first?.lowercased() == name.lowercased() }?.last
        }
        /// Leaf parts: content_type, charset, transfer_encoding and the decoded content, its
        /// line breaks as LF (the wire's CRLF is checked on `raw`).
        var parts: [[String: Any]] {
            (parsed["parts"] as? [[String: Any]] ?? []).map { part in
                var part = part
                if let content = part["content"] as? String { part["content"] = content.replacingOccurrences(of: "\r\n", with: "\n") }
                return part
            }
        }
        var defects: [String] { parsed["defects"] as? [String] ?? [] }

        /// The header block of the raw message, unfolded lines as sent.
        var rawHeaderLines: [String] {
            let text = rawText
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            return head.components(separatedBy: "\r\n")
        }
    }

    func messages() throws -> [Message] {
        let folder = directory.appendingPathComponent("mail")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.compactMap { Int($0.dropLast(5)) }.sorted().map { number in
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("\(number).json"))) as? [String: Any] ?? [:]
            let raw = try Data(contentsOf: folder.appendingPathComponent("\(number).eml"))
            return Message(number: number, raw: Array(raw), record: record)
        }
    }

    /// Lines of `events.log`: `N CONNECT`, `N MAIL buffered=B`, `N RSET`, `N QUIT`.
    func events() -> [String] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("mail/events.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    var connectionCount: Int { events().filter { $0.hasSuffix(" CONNECT") }.count }

    /// Waits (briefly) until the server has logged `event`, for things that happen after the
    /// client has moved on (QUIT).
    func waitForEvent(_ predicate: (String) -> Bool, timeout: Double = 5) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if events().contains(where: predicate) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// A self-signed certificate for localhost and 127.0.0.1, made with `openssl req -x509` for
/// one test run.
struct TestCertificate {
    let certificatePath: String
    let keyPath: String

    init(in directory: URL) throws {
        certificatePath = directory.appendingPathComponent("cert.pem").path
        keyPath = directory.appendingPathComponent("key.pem").path
        let arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certificatePath, "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        let errors = Pipe()
        let process: ChildProcess
        do {
            process = try ChildProcess("/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment, standardError: errors)
        } catch {
            throw SMTPTestServer.StartFailure(description: "cannot run openssl to make a test certificate: \(error) (scripts/test installs it)")
        }
        guard process.blockingWaitForExit() == 0 else {
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw SMTPTestServer.StartFailure(description: "openssl could not make a test certificate: \(stderr)")
        }
    }
}
