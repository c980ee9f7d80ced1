import Foundation
import PlaybookTestSupport

/// What `console_browser.py` answered for one scenario: the JSON object it prints on stdout.
struct BrowserResult: Decodable, Sendable {
    /// Every check of the scenario held (the script then exits 0).
    var ok: Bool
    /// The title of the page the scenario ended on.
    var title: String?
    /// The visible text of that page, at most 4,000 characters: what a failing test prints.
    var text: String
    /// The HTTP status of that page, or of the scenario's own request (`csrf-less-post`); nil
    /// when the browser did not say.
    var statusCode: Int?
    /// What was verified, or what went wrong and what the page held instead.
    var detail: String?

    enum CodingKeys: String, CodingKey {
        case ok, title, text, detail
        case statusCode = "status_code"
    }
}

/// Drives a real headless Chromium through one scenario of the web console (sign in, watch an
/// incident update in place, decide by approval link, recover, ...), so that the console tests
/// check what a person's browser does rather than what the HTML says.
///
/// The browser side is `Support/console_browser.py` (Selenium with Debian's chromium and
/// chromium-driver; scripts/test installs all three): Selenium is the maintained WebDriver client,
/// and Chromium's process tree stays out of the test process. The script is awaited through
/// `ChildProcess`, so a test waiting for the browser holds no thread of the shared pool.
enum BrowserDriver {
    /// Support/console_browser.py, beside this file.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("console_browser.py").path

    /// The script ended without its JSON answer: python3, Selenium or Chromium missing, or a crash.
    struct NoAnswer: Error, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String {
            """
            console_browser.py exited \(status) without its JSON answer (the browser tests need python3 \
            with selenium, chromium and chromedriver; scripts/test installs them). stdout: \(stdout) stderr: \(stderr)
            """
        }
    }

    /// The test called the script wrongly (exit 2): a bug in the test, not in the console.
    struct UsageError: Error, CustomStringConvertible {
        var detail: String
        var description: String { "console_browser.py: \(detail)" }
    }

    /// Runs `console_browser.py SCENARIO --url URL --timeout TIMEOUT ARGUMENTS` (ARGUMENTS being
    /// `--token`, `--incident`, `--expect-status`, `--screenshot`, ... but not `--timeout`).
    ///
    /// `timeout` bounds the whole scenario, browser start included; the script ends itself (and
    /// its browser) by `timeout` + 10 s. The limit here is longer still, so only a script hung
    /// past its own watchdog is killed from this side, which would leave Chromium behind.
    /// The test's environment, with Chromium's own temporary folders (profiles, `scoped_dir`s,
    /// which a browser ended by its driver leaves behind) in the test process's scratch folder.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = TestScratch.root.path
        return environment
    }

    static func run(_ scenario: String, url: String, _ arguments: [String] = [], timeout: Double = 20) async throws -> BrowserResult {
        let scratch = TestScratch.root
        let out = try OutputFile(in: scratch, "console-browser-stdout"), err = try OutputFile(in: scratch, "console-browser-stderr")
        let child = try ChildProcess(
            "/usr/bin/env", ["python3", script, scenario, "--url", url, "--timeout", String(timeout)] + arguments,
            environment: Self.environment, standardOutput: out.handle, standardError: err.handle)
        let status = try await child.waitForExit(within: timeout + 30)
        // The answer is the last line of stdout; a usage error answers one too.
        guard let line = out.text.split(separator: "\n").last,
            let result = try? JSONDecoder().decode(BrowserResult.self, from: Data(line.utf8))
        else { throw NoAnswer(status: status, stdout: out.text, stderr: err.text) }
        if status == 2 { throw UsageError(detail: result.detail ?? err.text) }
        return result
    }
}
