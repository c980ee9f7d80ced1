import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine

/// `--listen` with what it serves besides the watcher's paths: approval links always, the
/// console when `PLAYBOOK_CONSOLE_TOKEN` is set. Bound before anything runs, so that a taken
/// port or a bad console URL is a usage error before an incident opens.
public struct ConsoleListener: Sendable {
    public let listener: WatchListener
    public let settings: ConsoleSettings

    /// How long `run --listen` keeps answering after the run ends, so that a page left open
    /// shows the final state rather than the one before it.
    public static let finalStateLinger: Double = 3

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds `listen` (`HOST:PORT`); `consoleURL` is `--console-url`.
    public static func bind(_ listen: String, consoleURL: String?, environment: [String: String]) async throws(Problem) -> ConsoleListener {
        let endpoint: (host: String, port: Int)
        do { endpoint = try WatchListener.parse(listen) } catch { throw Problem(description: error.description) }
        let listener: WatchListener
        do {
            listener = try await WatchListener.bind(host: endpoint.host, port: endpoint.port)
        } catch {
            throw Problem(description: "cannot listen on \(listen): \(error)")
        }
        let settings = ConsoleSettings.from(environment: environment, consoleURL: consoleURL, address: listener.address)
        if let problem = ConsoleSettings.problem(withURL: settings.baseURL) {
            await listener.close()
            throw Problem(description: problem)
        }
        return ConsoleListener(listener: listener, settings: settings)
    }

    /// A warning when links would point at an address no phone can open: the listener is bound
    /// to every interface (`:PORT`, `0.0.0.0`, `::`) and no console URL says where it is reached.
    public var unreachableLinkWarning: String? {
        let base = settings.baseURL.lowercased()
        guard base.hasPrefix("http://0.0.0.0") || base.hasPrefix("http://[::]") else { return nil }
        return "warning: approval links would point at \(settings.baseURL), which no phone can open; "
            + "set PLAYBOOK_CONSOLE_URL (or --console-url) to the address people reach this machine at"
    }

    /// What the watch's "listening" line adds: the console's state and where links point.
    public var consoleNote: String {
        consoleState + "; approval links at \(settings.baseURL)/approve/"
    }

    private var consoleState: String {
        settings.isOn ? "console at \(settings.baseURL)/" : "console off (set PLAYBOOK_CONSOLE_TOKEN to turn it on)"
    }

    /// The line that says where it answers, and what.
    public func announcement() -> String {
        "listening on http://\(listener.address) (/healthz, /approve/…); \(consoleState); approval links start \(settings.baseURL)/approve/"
    }

    /// `run --listen`: serves the console of this run while `body` runs with an engine whose
    /// approval links point here, then stops serving (after a recovery started from the console).
    public func serving<T: Sendable>(
        _ engine: Engine, playbook: Playbook, file: String, report: @escaping @Sendable (Result<Engine.Outcome, any Error>) -> Void,
        _ body: (Engine) async throws -> T
    ) async throws -> T {
        var engine = engine
        engine.approvalLinkBase = settings.baseURL
        let backend = RunConsoleBackend(engine: engine, playbook: playbook, file: file, report: report)
        let routes = ListenerRoutes(ownPaths: [], handler: ListenerRoutes.runHealth, console: Console(settings: settings, backend: backend))
        let listener = self.listener
        let serving = Task { await listener.serve(routes) }
        do {
            let result = try await body(engine)
            await backend.finish()
            // Open incident pages refresh every second: let them show how the run ended.
            try? await Task.sleep(nanoseconds: UInt64(Self.finalStateLinger * 1_000_000_000))
            await listener.close()
            await serving.value
            return result
        } catch {
            await listener.close()
            await serving.value
            throw error
        }
    }
}
