import ArgumentParser
import Foundation
import PlaybookConsole

/// `--listen` and `--console-url`, as `run` and `watch` take them (docs/console.md).
struct ListenOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve /healthz, approval links and (with PLAYBOOK_CONSOLE_TOKEN) the web console on this address, e.g. 127.0.0.1:9464; watch adds /metrics and webhook triggers.",
            valueName: "HOST:PORT"))
    var listen: String?

    @Option(
        help: ArgumentHelp(
            "The public base URL of approval links and the console, behind a proxy (default: PLAYBOOK_CONSOLE_URL, else http:// and the --listen address).",
            valueName: "URL"))
    var consoleURL: String?

    /// The listener, bound before anything is probed or sent so that a taken port or a bad
    /// console URL is a usage error (exit 2); nil without `--listen`.
    func bind() async throws -> ConsoleListener? {
        guard let listen else { return nil }
        do {
            return try await ConsoleListener.bind(listen, consoleURL: consoleURL, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw UsageError(error.description)
        }
    }
}
