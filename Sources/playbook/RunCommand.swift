import ArgumentParser
import Foundation
import PlaybookChannels
import PlaybookConsole
import PlaybookCore
import PlaybookEngine

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Execute a playbook now, or resume its unfinished incident. Exit 0 when every step succeeded, was skipped or failed with continue_on_error, 3 when another failed, 130 when interrupted."
    )

    @Argument(help: "The playbook file.")
    var file: String

    @OptionGroup var options: PlanOptions
    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Print the plan instead of running (same as 'playbook plan').")
    var dryRun = false

    @Option(help: "With --dry-run: text, json, markdown or html.")
    var format: PlanFormat = .text

    @Option(help: "Run only if this plan (from 'plan --out') still matches the playbook, contacts and facts.")
    var plan: String?

    @Flag(help: "Do not ask for confirmation on a terminal.")
    var yes = false

    @Option(help: "Progress output: human (live on a terminal, lines otherwise) or json lines.")
    var logFormat: LogFormat = .human

    @Flag(help: "Do not probe the trigger first: every platform a platform_down trigger lists counts as down.")
    var noProbe = false

    @Flag(help: "Run even when some ${env.X} are unset or too short: the calls that need them fail, the rest go.")
    var allowMissingEnv = false

    @Flag(help: "Once the cause of a failure is fixed: run the active incident's failed steps again, sending only their failed deliveries (nothing already sent is repeated).")
    var retryFailed = false

    /// Served until the run ends.
    @OptionGroup var listenOptions: ListenOptions

    func run() async throws {
        let (playbook, bytes) = try LoadedPlaybook.load(file)
        let environment = ProcessInfo.processInfo.environment
        if dryRun, retryFailed { throw UsageError("--retry-failed sends again what a real run failed to send; it cannot be combined with --dry-run") }
        if dryRun {
            // A dry run sends nothing: it only warns about what the real run would refuse.
            let problems = RunEnvironment.problems(RunEnvironment.needs(of: playbook), in: environment)
            if !problems.isEmpty {
                Output.writeError("warning: a real run would refuse to start until these are set:\n" + RunEnvironment.describe(problems, playbook: playbook).map { $0 + "\n" }.joined())
            }
            Output.write(try options.plan(playbook).rendered(format))
            return
        }
        var request = try options.request(for: playbook)
        if let plan {
            do {
                let approved = try PlanArtifact.verify(plan, playbookBytes: bytes, playbook: playbook, trigger: options.trigger, assignments: options.assignments)
                request.triggerID = approved.trigger
                request.assignments = approved.assignments
            } catch {
                guard case .drifted = error else { throw UsageError(error.description) }
                Output.writeError("playbook: \(error)\n")
                throw ExitCode(1)
            }
        }
        try await stateOptions.withJournal(besides: file) { journal in try await execute(playbook, request, journal: journal, environment: environment) }
    }

    /// The run itself, with the journal open: resume or open the incident, probe, confirm, run.
    private func execute(_ playbook: Playbook, _ request: Planner.Request, journal: any Journal, environment: [String: String]) async throws {
        let lock = try RunLocking.take(journal, playbook, "playbook run")
        defer { withExtendedLifetime(lock) {} }
        var request = request
        let unfinished = try await journal.unfinishedIncident(playbook: playbook.name.value)
        if retryFailed, unfinished == nil {
            throw UsageError(Engine.nothingToRetry(playbook))
        }
        if unfinished == nil, request.triggerID == nil, playbook.triggers.count > 1 {
            guard Output.stdinIsTerminal else {
                throw UsageError("the playbook has \(playbook.triggers.count) triggers (\(playbook.triggers.map(\.id.value).joined(separator: ", "))); choose one with --trigger")
            }
            request.triggerID = try Prompt.choose("Which trigger opened this incident?", playbook.triggers.map(\.id.value))
        }
        let probing = TriggerProbe.trigger(
            toProbeIn: playbook, triggerID: request.triggerID, given: request.assignments, resuming: unfinished != nil, planned: plan != nil)
        try checkEnvironment(playbook, probing: noProbe ? nil : probing, environment: environment)
        if let probing {
            let reading: TriggerReading?
            if noProbe {
                reading = TriggerProbe.assumingDown(probing)
            } else {
                Output.writeError("probing trigger '\(probing.id.value)' once…\n")
                reading = try await TriggerProbe.readLive(probing, of: playbook, journal: journal, environment: environment)
            }
            if let reading {
                Output.writeError(reading.lines.map { $0 + "\n" }.joined())
                request.assignments += reading.facts
            }
        }
        if !yes, Output.stdinIsTerminal {
            let plan = try Planner.plan(playbook, Planner.Request(triggerID: request.triggerID, start: Date(), assignments: request.assignments))
            Output.writeError(plan.rendered(.text) + "\n")
            let what = unfinished.map { retryFailed ? "Retry the failed steps of incident \($0.id)" : "Resume incident \($0.id)" } ?? "Run \(playbook.name.value) now, for real"
            guard try Prompt.confirm("\(what)?") else { throw ExitCode(1) }
        }
        let runRequest = Engine.RunRequest(triggerID: request.triggerID, assignments: request.assignments, retryFailed: retryFailed)
        let served = try await listenOptions.bind()
        if let served {
            Output.writeError(served.announcement() + "\n")
            if let warning = served.unreachableLinkWarning { Output.writeError(warning + "\n") }
        } else if let warning = ApprovalLinks.warning(playbook, file: file) { Output.writeError(warning) }
        let file = self.file
        try RunSummary.finish(
            try await LiveEngine.with(playbook, journal: journal, logFormat: logFormat, claimLease: stateOptions.claimLease) { engine in
                guard let served else { return try await engine.run(playbook, runRequest) }
                return try await served.serving(engine, playbook: playbook, file: file, report: ConsoleRecoveryReport.print) { try await $0.run(playbook, runRequest) }
            })
    }

    /// Refuses (exit 2) before anything is opened or sent when a `${env.X}` the run will use is
    /// unset or a credential is too short; with `--allow-missing-env` it only warns.
    private func checkEnvironment(_ playbook: Playbook, probing: Trigger?, environment: [String: String]) throws {
        let problems = RunEnvironment.problems(RunEnvironment.needs(of: playbook, probing: probing), in: environment)
        try EnvironmentRefusal.check(problems, playbook: playbook, verb: "run", allowMissing: allowMissingEnv)
    }
}

struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Mark the playbook's active incident resolved and run its recovery steps. Exit codes as run."
    )

    @Argument(help: "The playbook file.")
    var file: String

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "Progress output: human or json lines.")
    var logFormat: LogFormat = .human

    @Flag(help: "Recover even when some ${env.X} are unset or too short: the calls that need them fail, the rest go.")
    var allowMissingEnv = false

    @Flag(help: "Once the cause of a failure is fixed: run the failed recovery steps again (of the active incident, or of the last one when its recovery failed), only what failed.")
    var retryFailed = false

    func run() async throws {
        let (playbook, _) = try LoadedPlaybook.load(file)
        let problems = RunEnvironment.problems(RunEnvironment.needs(of: playbook, recoveryOnly: true), in: ProcessInfo.processInfo.environment)
        try EnvironmentRefusal.check(problems, playbook: playbook, verb: "recover", allowMissing: allowMissingEnv)
        let outcome = try await stateOptions.withJournal(besides: file) { journal in
            let lock = try RunLocking.take(journal, playbook, "playbook recover")
            defer { withExtendedLifetime(lock) {} }
            return try await LiveEngine.with(playbook, journal: journal, logFormat: logFormat, claimLease: stateOptions.claimLease) { try await $0.recover(playbook, retryFailed: retryFailed) }
        }
        try RunSummary.finish(outcome)
    }
}

/// An engine over the real channels, with progress output and SIGINT/SIGTERM handling, for the
/// time of one command.
enum LiveEngine {
    static func with<T: Sendable>(
        _ playbook: Playbook, journal: any Journal, logFormat: LogFormat, claimLease: Double = 15, _ body: (Engine) async throws -> T
    ) async throws -> T {
        let environment = ProcessInfo.processInfo.environment
        let stop = StopSignal()
        let signals = SignalHandling.install(stop)
        defer { signals.cancel() }
        let style: ProgressPrinter.Style = logFormat == .json ? .json : (Output.stderrIsTerminal ? .terminal : .plain)
        do {
            return try await LiveChannels.with(playbook: playbook, environment: environment) { channels in
                let redactor = SecretRedactor(secrets: LiveChannels.secrets(of: playbook, environment: environment))
                var engine = Engine(journal: journal, channels: channels, progress: ProgressPrinter(style: style, redactor: redactor),
                                    redactor: redactor, stop: stop)
                engine.claimLease = claimLease
                return try await body(engine)
            }
        } catch let problem as Engine.Problem {
            throw UsageError(problem.description)
        }
    }
}

/// The run lock of run, recover and watch (`RunLock`): held by another process, a one-line
/// refusal (exit 2) before anything is probed, asked or sent.
enum RunLocking {
    static func take(_ journal: any Journal, _ playbook: Playbook, _ command: String) throws -> RunLock? {
        do {
            return try journal.lockRuns(of: playbook.name.value, by: command)
        } catch {
            throw UsageError("\(error)")
        }
    }
}

/// The refusal of run and recover when `${env.X}` they need are unset or too short.
enum EnvironmentRefusal {
    static func check(_ problems: [RunEnvironment.Problem], playbook: Playbook, verb: String, allowMissing: Bool) throws {
        guard let refusal = RunEnvironment.refusal(problems, playbook: playbook, verb: verb, allowMissing: allowMissing) else { return }
        Output.writeError(refusal.text)
        if refusal.refuses { throw ExitCode(2) }
    }
}

/// The closing lines of run and recover, and their exit codes.
enum RunSummary {
    /// A run that ends with a failed step also says how to send again what failed.
    static func finish(_ outcome: Engine.Outcome) throws {
        if let note = outcome.note { Output.writeError("note: \(note)\n") }
        if let summary = outcome.summary { Output.writeError(summary + "\n") }
        if !outcome.interrupted, outcome.canRetryFailures {
            Output.writeError("once the cause is fixed, the same command with --retry-failed sends again only what failed\n")
        }
        if outcome.interrupted {
            Output.writeError("interrupted: in-flight work finished and journaled; run again to resume\n")
            throw ExitCode(130)
        }
        if outcome.failsRun { throw ExitCode(3) }
    }
}

/// How a recovery started from the console of `run --listen` ended, on stderr.
enum ConsoleRecoveryReport {
    @Sendable static func print(_ result: Result<Engine.Outcome, any Error>) {
        switch result {
        case .success(let outcome):
            let failed = outcome.statuses.values.filter { $0 == .failed }.count
            Output.writeError("recovery started from the console ended: \(outcome.statuses.count) steps, \(failed) failed\n")
        case .failure(let error):
            Output.writeError("recovery started from the console failed: \(error)\n")
        }
    }
}
