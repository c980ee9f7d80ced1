import ArgumentParser
import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine

/// `playbook watch FILE|DIR...`: the long-running service. Thin: loads and checks the
/// playbooks, builds the live prober, sources and channels, and hands them to `Watcher`.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract:
            "Probe the playbooks' triggers; run a playbook when one fires and its recovery when the incident clears. Runs until stopped; exits 0 on SIGINT/SIGTERM once in-flight work is done.",
        discussion: """
            Every platform_down and traffic_drop trigger is observed on its 'every'; the trigger \
            state machines are those of 'playbook test' ('for', 'clear_for', 'down_when', drop \
            against baseline). With --listen, an HTTP listener answers /healthz, /metrics \
            (Prometheus) and the paths of webhook triggers. See docs/watch.md.
            """
    )

    @Argument(help: "Playbook files, or directories to search for *.yaml (scenario files *.test.yaml are skipped).")
    var paths: [String]

    @OptionGroup var stateOptions: StateOptions

    @Option(help: ArgumentHelp("Serve /healthz, /metrics and webhook triggers on this address (e.g. 127.0.0.1:9464).", valueName: "HOST:PORT"))
    var listen: String?

    @Option(help: "Log format: auto (human on a terminal, json otherwise), human or json.")
    var logFormat: WatchLogFormat = .auto

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let playbooks = try Self.load(paths, environment: environment)
        let journal = try await stateOptions.openJournal(besides: try PlaybookFiles.expand(paths, scenarios: false).first)
        let endpoint: (host: String, port: Int)?
        do {
            endpoint = try listen.map(WatchListener.parse)
        } catch {
            throw UsageError(error.description)
        }
        let listener: WatchListener?
        do {
            listener = endpoint == nil ? nil : try await WatchListener.bind(host: endpoint!.host, port: endpoint!.port)
        } catch {
            throw UsageError("cannot listen on \(listen ?? ""): \(error)")
        }

        let secrets = playbooks.flatMap { LiveChannels.secrets(of: $0, environment: environment) }
        let human = logFormat == .human || (logFormat == .auto && Output.stderrIsTerminal)
        let log = WatchLogPrinter(style: human ? (Output.stderrIsTerminal ? .terminal : .plain) : .json, redactor: SecretRedactor(secrets: secrets))
        let stop = StopSignal()
        let signals = SignalHandling.install(stop)
        defer { signals.cancel() }

        let probes = LiveProber.makeClient()
        let channelClient = LiveChannels.makeClient()
        var configuration = Watcher.Configuration(
            playbooks: playbooks, journal: journal, prober: LiveProber(client: probes),
            sources: LiveSourceReader(client: probes, environment: environment),
            channels: { LiveChannels(playbook: $0, environment: environment, client: channelClient) },
            redactor: { SecretRedactor(secrets: LiveChannels.secrets(of: $0, environment: environment)) },
            reporter: log, stop: stop, environment: environment)
        configuration.claimLease = stateOptions.claimLease
        let watcher: Watcher
        do {
            watcher = try Watcher(configuration)
        } catch {
            // Its clients must be shut down before they go (a client dropped while running traps).
            await listener?.close()
            await LiveChannels.shutdown(probes)
            await LiveChannels.shutdown(channelClient)
            Output.error(error.description)
            throw ExitCode(error.isUsage ? 2 : 1)
        }
        if let listener {
            log.report(
                WatchEvent(
                    time: Date(), name: "listening", playbook: nil, fields: [("address", .string(listener.address))],
                    message:
                        "listening on http://\(listener.address) (/healthz, /metrics\(watcher.webhookPaths.isEmpty ? "" : ", " + watcher.webhookPaths.joined(separator: ", ")))"
                ))
            if let warning = watcher.unsignedExposureWarning(address: listener.address, loopback: listener.isLoopback) { log.report(warning) }
        }
        async let serving: Void = { if let listener { await listener.serve { await watcher.handle($0) } } }()
        var failure: (any Error)?
        do {
            try await watcher.run()
        } catch {
            failure = error
        }
        await listener?.close()
        await serving
        await LiveChannels.shutdown(probes)
        await LiveChannels.shutdown(channelClient)
        if let failure { throw UsageError("\(failure)") }
    }

    /// Loads and checks every playbook; refuses to start (exit 1, with the diagnostics) when one
    /// is invalid or a value the watcher needs up front (a source's URL or key, a webhook
    /// secret) names an unset environment variable.
    static func load(_ paths: [String], environment: [String: String]) throws -> [Playbook] {
        let files: [String]
        do {
            files = try PlaybookFiles.expand(paths, scenarios: false)
        } catch {
            throw UsageError(error.description)
        }
        if files.isEmpty { throw UsageError("no playbooks found in \(paths.joined(separator: ", "))") }
        var playbooks: [Playbook] = []
        var diagnostics: [Diagnostic] = []
        var sources: [String: SourceFile] = [:]
        var invalid = 0
        for file in files {
            let result: PlaybookLoader.Result
            do {
                result = try PlaybookLoader.load(path: file)
            } catch {
                throw UsageError(error.description)
            }
            diagnostics += result.diagnostics
            if let source = result.source { sources[file] = source }
            guard result.isValid, let playbook = result.playbook else {
                invalid += 1
                continue
            }
            let needed = Self.watchedValues(playbook)
            var missing = false
            var unset: [Diagnostic] = []
            for (value, owner, credential) in needed {
                for name in value.environmentNames {
                    if environment[name] == nil {
                        unset.append(.error("environment variable '\(name)' is not set (\(owner) needs it to watch)", at: value.location))
                        missing = true
                    } else if credential, let short = RunEnvironment.shortness(of: environment[name]!) {
                        unset.append(.error("environment variable '\(name)' is \(short) (\(owner) needs it to watch)", at: value.location))
                        missing = true
                    }
                }
            }
            for channel in playbook.channels {
                for (field, value) in channel.fields.sorted(by: { $0.value.location < $1.value.location }) {
                    for name in value.environmentNames {
                        guard let set = environment[name] else { continue }
                        // A credential this short is a mistake and too short to be masked in logs: refused.
                        if RunEnvironment.credentialFields.contains(field), let short = RunEnvironment.shortness(of: set) {
                            unset.append(.error("environment variable '\(name)' is \(short) (channel '\(channel.id.value)', field '\(field)')", at: value.location))
                            missing = true
                        }
                    }
                }
                for value in channel.configValues {
                    for name in value.environmentNames where environment[name] == nil {
                        diagnostics.append(
                            .warning(
                                "environment variable '\(name)' is not set: channel '\(channel.id.value)' will fail when a step uses it", at: value.location))
                    }
                }
            }
            diagnostics += unset.sorted { $0.location < $1.location }
            if missing { invalid += 1 } else { playbooks.append(playbook) }
        }
        let renderer = DiagnosticRenderer(format: .text, terminal: Output.stderrIsTerminal, sources: sources)
        Output.writeError(renderer.render(diagnostics))
        if invalid > 0 {
            Output.writeError("refusing to start: \(invalid) of \(files.count) playbook\(files.count == 1 ? "" : "s") cannot be watched\n")
            throw ExitCode(1)
        }
        return playbooks
    }

    /// The `${env.X}` values watching needs before anything fires: sources and webhook secrets,
    /// and whether each is a credential.
    static func watchedValues(_ playbook: Playbook) -> [(ConfigValue, String, Bool)] {
        var values: [(ConfigValue, String, Bool)] = []
        for source in playbook.sources {
            switch source.kind {
            case .prometheus(let url, _), .json(let url, _): values.append((url, "source '\(source.id.value)'", false))
            case .plausible(let url, _, let key): values += [(url, "source '\(source.id.value)'", false), (key, "source '\(source.id.value)'", true)]
            case .csv: break
            }
        }
        for trigger in playbook.triggers {
            if case .webhook(let hook) = trigger.kind, let secret = hook.secret { values.append((secret, "webhook trigger '\(trigger.id.value)'", true)) }
        }
        return values
    }
}

enum WatchLogFormat: String, CaseIterable, ExpressibleByArgument {
    case auto, human, json
}

/// Prints the watcher's events: one line each, with the time and the playbook (colour for
/// warnings on a terminal), or one JSON object per line.
final class WatchLogPrinter: WatchReporter, @unchecked Sendable {
    enum Style { case terminal, plain, json }

    private let style: Style
    private let redactor: SecretRedactor
    private let lock = NSLock()

    init(style: Style, redactor: SecretRedactor) {
        self.style = style
        self.redactor = redactor
    }

    /// The event is redacted field by field, then formatted: a JSON line is never redacted
    /// once serialised.
    func report(_ event: WatchEvent) {
        let event = event.redacted(by: redactor)
        let line: String
        switch style {
        case .json:
            line = event.json.serialized()
        case .plain, .terminal:
            let time = WatchEvent.iso(event.time)
            let who = event.playbook.map { "\($0): " } ?? ""
            let text = "\(time) \(who)\(event.message)"
            line = style == .terminal && event.isWarning ? "\u{1B}[33m\(text)\u{1B}[0m" : text
        }
        lock.withLock { Output.writeError(line + "\n") }
    }
}
