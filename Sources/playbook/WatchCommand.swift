import ArgumentParser
import Foundation
import Synchronization
import PlaybookChannels
import PlaybookConsole
import PlaybookCore
import PlaybookEngine

/// `playbook watch FILE|DIR...`: the long-running service. Thin: loads and checks the
/// playbooks (`PlaybookBatch`, `WatchEnvironment`), opens the journal and the listener, and hands
/// them to `LiveWatch`, which owns the live clients and the `Watcher`.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract:
            "Probe the playbooks' triggers; run a playbook when one fires and its recovery when the incident clears. Runs until stopped; exits 0 on SIGINT/SIGTERM once in-flight work is done.",
        discussion: """
            Every platform_down and traffic_drop trigger is observed on its 'every'; the trigger \
            state machines are those of 'playbook test' ('for', 'clear_for', 'down_when', drop \
            against baseline). With --listen, an HTTP listener answers /healthz, /metrics \
            (Prometheus), the paths of webhook triggers, approval links and, with \
            PLAYBOOK_CONSOLE_TOKEN set, the web console. See docs/watch.md and docs/console.md.
            """
    )

    @Argument(help: "Playbook files, or directories to search for *.yaml (scenario files *.test.yaml are skipped).")
    var paths: [String]

    @OptionGroup var stateOptions: StateOptions

    @OptionGroup var listenOptions: ListenOptions

    @Option(help: "Log format: auto (human on a terminal, json otherwise), human or json.")
    var logFormat: WatchLogFormat = .auto

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let playbooks = try Self.load(paths, environment: environment)
        try await stateOptions.withJournal(besides: try PlaybookFiles.expand(paths, scenarios: false).first) { journal in
            // Held while watching: a `playbook run` beside it would send the same incident twice.
            var named: [String: Playbook] = [:]
            for playbook in playbooks { named[playbook.name.value] = playbook }
            let locks = try named.values.map { try RunLocking.take(journal, $0, "playbook watch") }
            defer { withExtendedLifetime(locks) {} }
            let listener = try await listenOptions.bind()
            let secrets = playbooks.flatMap { LiveChannels.secrets(of: $0, environment: environment) }
            let human = logFormat == .human || (logFormat == .auto && Output.stderrIsTerminal)
            let log = WatchLogPrinter(style: human ? (Output.stderrIsTerminal ? .terminal : .plain) : .json, redactor: SecretRedactor(secrets: secrets))
            let stop = StopSignal()
            let signals = SignalHandling.install(stop)
            defer { signals.cancel() }
            var setup = LiveWatch.Setup(
                journal: journal, listener: listener?.listener, reporter: log, stop: stop, environment: environment, claimLease: stateOptions.claimLease)
            if let listener {
                let settings = listener.settings
                setup.approvalLinkBase = settings.baseURL
                setup.listenerNote = listener.consoleNote
                if let warning = listener.unreachableLinkWarning { Output.writeError(warning + "\n") }
                setup.routes = { watcher in
                    ListenerRoutes(
                        ownPaths: watcher.webhookPaths, handler: { await watcher.handle($0) },
                        console: Console(settings: settings, backend: WatchConsoleBackend(watcher: watcher)))
                }
            } else {
                for playbook in playbooks { if let warning = ApprovalLinks.warning(playbook, file: playbook.file, verb: "watch") { Output.writeError(warning) } }
            }
            do {
                try await LiveWatch.run(playbooks, setup)
            } catch LiveWatch.Failure.cannotStart(let problem) {
                Output.error(problem.description)
                throw ExitCode(problem.isUsage ? 2 : 1)
            } catch LiveWatch.Failure.stopped(let reason) {
                throw UsageError(reason)
            }
        }
    }

    /// Loads and checks every playbook; refuses to start (exit 1, with the diagnostics) when one
    /// is invalid or a value the watcher needs up front names an unset environment variable.
    static func load(_ paths: [String], environment: [String: String]) throws -> [Playbook] {
        let batch: PlaybookBatch
        do {
            batch = try PlaybookBatch.load(paths) { WatchEnvironment.admission(of: $0, in: environment) }
        } catch {
            throw UsageError(error.description)
        }
        Output.writeError(DiagnosticRenderer(format: .text, terminal: Output.stderrIsTerminal, sources: batch.sources).render(batch.diagnostics))
        if let refusal = WatchEnvironment.refusal(of: batch) {
            Output.writeError(refusal + "\n")
            throw ExitCode(1)
        }
        return batch.playbooks
    }
}

enum WatchLogFormat: String, CaseIterable, ExpressibleByArgument {
    case auto, human, json
}

/// Prints the watcher's events to stderr, redacted, one line each (`WatchEvent.line`).
final class WatchLogPrinter: WatchReporter, Sendable {
    typealias Style = WatchEvent.LineStyle

    private let style: Style
    private let redactor: SecretRedactor
    /// One line at a time: events come from many tasks, and two writes must not interleave.
    private let lock = Mutex(())

    init(style: Style, redactor: SecretRedactor) {
        self.style = style
        self.redactor = redactor
    }

    func report(_ event: WatchEvent) {
        let line = event.redacted(by: redactor).line(style)
        lock.withLock { _ in Output.writeError(line + "\n") }
    }
}
