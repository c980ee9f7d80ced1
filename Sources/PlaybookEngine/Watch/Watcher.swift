import Foundation
import PlaybookCore
import Synchronization

/// `playbook watch`: probes every trigger of every playbook on its `every`, feeds the trigger
/// state machines (the ones `playbook test` replays), opens incidents through the engine when a
/// trigger fires and runs recovery when they resolve, and answers the HTTP listener's requests
/// (`/healthz`, `/metrics`, webhook triggers).
///
/// Each probing trigger has its own loop, so a slow or hung probe delays nobody else: every
/// probe answers within its `timeout` (the watcher abandons one that does not), and identical
/// checks of several triggers are probed once.
public final class Watcher: Sendable {
    public struct Configuration: Sendable {
        public var playbooks: [Playbook]
        public var journal: any Journal
        public var prober: any Prober
        public var sources: any SourceReader
        /// The channels of a playbook.
        public var channels: @Sendable (Playbook) -> any ChannelRegistry
        /// What to mask in a playbook's run output.
        public var redactor: @Sendable (Playbook) -> SecretRedactor
        public var clock: any EngineClock
        public var reporter: any WatchReporter
        public var stop: StopSignal
        /// Resolves `${env.X}` in webhook triggers' secrets.
        public var environment: [String: String]
        public var metrics: WatchMetrics
        /// With a shared journal: the length of each playbook's leadership lease (default: its shortest `every`).
        public var leaseSeconds: Double?
        /// With a shared journal: how long claims on deliveries last unless renewed (`Engine.claimLease`).
        public var claimLease: Double = 15
        /// The base URL of approval links (`--listen`'s console URL); nil: links render empty.
        public var approvalLinkBase: String?

        public init(
            playbooks: [Playbook], journal: any Journal, prober: any Prober, sources: any SourceReader,
            channels: @escaping @Sendable (Playbook) -> any ChannelRegistry,
            redactor: @escaping @Sendable (Playbook) -> SecretRedactor = { _ in SecretRedactor(secrets: []) },
            clock: any EngineClock = SystemClock(), reporter: any WatchReporter, stop: StopSignal = StopSignal(),
            environment: [String: String] = [:], metrics: WatchMetrics = WatchMetrics(), leaseSeconds: Double? = nil
        ) {
            self.leaseSeconds = leaseSeconds
            self.playbooks = playbooks
            self.journal = journal
            self.prober = prober
            self.sources = sources
            self.channels = channels
            self.redactor = redactor
            self.clock = clock
            self.reporter = reporter
            self.stop = stop
            self.environment = environment
            self.metrics = metrics
        }
    }

    /// Why the watcher cannot start.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
        /// A problem of the environment it was started in (exit 2), not of the playbooks.
        public var isUsage = false
    }

    struct WebhookRoute: Sendable {
        var monitor: PlaybookMonitor
        var trigger: String
        var secret: String?
    }

    /// One trigger probed on its `every`.
    struct ProbedTrigger: Sendable {
        var monitor: PlaybookMonitor
        var playbook: Playbook
        var trigger: Trigger
        var every: Double
        var timeout: Double
    }

    let configuration: Configuration
    let monitors: [PlaybookMonitor]
    let probed: [ProbedTrigger]
    let webhooks: [String: WebhookRoute]
    let observer: TriggerObserver
    /// When the watcher started watching, for `/healthz` (set again when `run` begins).
    let startedAt: Mutex<Date>
    /// Each playbook's engine, for helping with fan-outs other runners opened (shared journal).
    let engines: [String: (engine: Engine, playbook: Playbook)]
    let leadership: Leadership
    /// Timestamped webhook signatures already accepted, refused if sent again. Webhook requests
    /// arrive concurrently: checking and recording a signature is one step under the lock, or two
    /// copies of a request could both pass.
    let seenSignatures = Mutex(SeenSignatures())
    /// The delivery totals `/metrics` shows, kept without a scan of the journal per scrape.
    let deliveryTotals = DeliveryTotals()

    /// Paths the listener answers itself.
    public static let reservedPaths: Set<String> = ["/healthz", "/metrics"]

    public init(_ configuration: Configuration) throws(Problem) {
        self.configuration = configuration
        var names = Set<String>()
        var monitors: [PlaybookMonitor] = []
        var probed: [ProbedTrigger] = []
        var webhooks: [String: WebhookRoute] = [:]
        var engines: [String: (engine: Engine, playbook: Playbook)] = [:]
        for playbook in configuration.playbooks {
            let name = playbook.name.value
            guard names.insert(name).inserted else {
                throw Problem(description: "two playbooks are named '\(name)' (\(playbook.file) and another); their incidents would share one journal record")
            }
            var engine = Engine(
                journal: configuration.journal, channels: configuration.channels(playbook), clock: configuration.clock,
                progress: EngineProgressEvents(playbook: name, reporter: configuration.reporter, clock: configuration.clock),
                redactor: configuration.redactor(playbook), stop: configuration.stop)
            engine.claimLease = configuration.claimLease
            engine.approvalLinkBase = configuration.approvalLinkBase
            engines[name] = (engine, playbook)
            let monitor = PlaybookMonitor(
                playbook: playbook, engine: engine, clock: configuration.clock, reporter: configuration.reporter,
                metrics: configuration.metrics, stop: configuration.stop)
            monitors.append(monitor)
            for trigger in playbook.triggers {
                switch trigger.kind {
                case .platformDown(let down):
                    probed.append(ProbedTrigger(monitor: monitor, playbook: playbook, trigger: trigger, every: down.every, timeout: down.timeout))
                case .trafficDrop(let drop):
                    probed.append(
                        ProbedTrigger(monitor: monitor, playbook: playbook, trigger: trigger, every: drop.every, timeout: TriggerObserver.sourceTimeout))
                case .webhook(let hook):
                    if Self.reservedPaths.contains(hook.path) {
                        throw Problem(
                            description: "\(playbook.file): webhook trigger '\(trigger.id.value)' uses the path \(hook.path), which the listener answers itself"
                        )
                    }
                    if let other = webhooks[hook.path] {
                        throw Problem(
                            description:
                                "\(playbook.file): webhook trigger '\(trigger.id.value)' uses the path \(hook.path), as trigger '\(other.trigger)' of another playbook does"
                        )
                    }
                    var secret: String?
                    if let configured = hook.secret {
                        do {
                            secret = try configured.resolve(in: configuration.environment)
                        } catch {
                            throw Problem(description: "\(playbook.file): the secret of webhook trigger '\(trigger.id.value)': \(error.message)")
                        }
                        if secret?.isEmpty == true {
                            let names = configured.environmentNames.map { "${env.\($0)}" }.joined(separator: ", ")
                            throw Problem(
                                description:
                                    "\(playbook.file): the secret of webhook trigger '\(trigger.id.value)' is empty\(names.isEmpty ? "" : " (\(names))"): anyone could sign with an empty key; set it, or remove 'secret' to take unsigned requests",
                                isUsage: true)
                        }
                    }
                    webhooks[hook.path] = WebhookRoute(monitor: monitor, trigger: trigger.id.value, secret: secret)
                case .manual:
                    break
                }
            }
        }
        self.monitors = monitors
        self.engines = engines
        leadership = Leadership(leading: configuration.journal.shared == nil ? Set(engines.keys) : [])
        self.probed = probed
        self.webhooks = webhooks
        let checks = CheckCoalescer(prober: configuration.prober, clock: configuration.clock, metrics: configuration.metrics)
        let sources = SourceCoalescer(reader: configuration.sources, journal: configuration.journal, clock: configuration.clock, metrics: configuration.metrics)
        observer = TriggerObserver(checks: checks, sources: sources, clock: configuration.clock)
        startedAt = Mutex(configuration.clock.now())
    }

    public var metrics: WatchMetrics { configuration.metrics }

    func monitor(_ playbook: String) -> PlaybookMonitor? { monitors.first { $0.name == playbook } }
    /// The webhook paths the listener takes requests on.
    public var webhookPaths: [String] { webhooks.keys.sorted() }

    /// Watches until a stop is requested; then lets in-flight probes and incident work finish
    /// (the engine journals calls in flight and leaves steps not started for the next start).
    public func run() async throws {
        let clock = configuration.clock
        let stop = configuration.stop
        startedAt.withLock { $0 = clock.now() }
        let shared = configuration.journal.shared
        let journal = configuration.journal
        let refreshesTotals = await deliveryTotals.start(journal)
        if shared == nil {
            for monitor in monitors {
                do {
                    try await monitor.start()
                } catch {
                    throw Problem(description: "cannot read the state of playbook '\(monitor.name)': \(error)")
                }
            }
        }
        let triggers = probed.count
        configuration.reporter.report(
            WatchEvent(
                time: clock.now(), name: "watch_started", playbook: nil,
                fields: [
                    ("playbooks", .number(Double(monitors.count))), ("probed_triggers", .number(Double(triggers))),
                    ("webhook_paths", .array(webhookPaths.map(JSONValue.string))),
                ],
                message: "watching \(monitors.count) playbook\(monitors.count == 1 ? "" : "s"): \(triggers) trigger\(triggers == 1 ? "" : "s") probed"
                    + (webhooks.isEmpty ? "" : ", webhook paths \(webhookPaths.joined(separator: ", "))")))
        await withTaskGroup(of: Void.self) { group in
            for (index, item) in probed.enumerated() {
                // Spread first cycles over the interval so that a thousand triggers do not all probe at once.
                let phase = triggers > 1 ? item.every * Double(index) / Double(triggers) : 0
                group.addTask { await self.loop(item, phase: phase) }
            }
            // With a shared journal, one runner at a time evaluates each playbook (its lease), and
            // every runner sends part of every fan-out of these playbooks.
            if refreshesTotals {
                group.addTask {
                    while await stop.sleep(until: clock.now().addingTimeInterval(DeliveryTotals.refreshInterval), clock: clock) {
                        await self.deliveryTotals.refresh(journal)
                    }
                }
            }
            if let shared {
                for monitor in monitors { group.addTask { await self.lead(monitor, shared: shared) } }
                let helper = SharedFanOutJoiner(engines: engines, shared: shared, stop: stop, clock: clock)
                group.addTask { await helper.run() }
            }
            await stop.wait()
        }
        configuration.reporter.report(
            WatchEvent(
                time: clock.now(), name: "watch_stopping", playbook: nil,
                message: "stopping: letting in-flight calls finish"))
        for monitor in monitors { await monitor.finish() }
        if let shared { await releaseLeadership(shared) }
        configuration.reporter.report(WatchEvent(time: clock.now(), name: "watch_stopped", playbook: nil, message: "stopped"))
    }

    /// Probes one trigger at `start + phase + k × every`. A cycle that overruns its interval makes
    /// the next start late; slots it overran entirely are skipped (and counted), never run in a burst.
    private func loop(_ item: ProbedTrigger, phase: Double) async {
        let clock = configuration.clock
        let stop = configuration.stop
        let metrics = configuration.metrics
        let playbook = item.playbook.name.value
        let trigger = item.trigger.id.value
        var next = clock.now().addingTimeInterval(phase)
        while !stop.isRequested {
            guard await stop.sleep(until: next, clock: clock) else { return }
            let lateness = clock.now().timeIntervalSince(next)
            // Another runner leads this playbook: it probes; this one keeps time, ready to take over.
            if leadership.leads(playbook) { await cycle(item) }
            let now = clock.now()
            metrics.cycle(playbook: playbook, trigger: trigger, lateness: lateness, at: now)
            next = next.addingTimeInterval(item.every)
            // A cycle that overran starts the next one at once (late); slots it overran entirely are skipped.
            let missed = Int(saturating: (now.timeIntervalSince(next) / item.every).rounded(.down))
            if missed > 0 {
                next = next.addingTimeInterval(Double(missed) * item.every)
                metrics.skippedCycles(playbook: playbook, trigger: trigger, count: missed)
            }
        }
    }
}

extension Watcher {
    /// One observation of a probing trigger, fed to its playbook's monitor.
    /// A stop does not wait for the probes in flight: their answers would change nothing now.
    func cycle(_ item: ProbedTrigger) async {
        let observer = self.observer
        let stop = configuration.stop
        let observed: Result<ConditionSample, SourceFailure>? = await firstAnswer(
            { .some(await observer.observe(item.trigger, of: item.playbook)) },
            {
                await stop.wait()
                return nil
            })
        guard let observed, !stop.isRequested else { return }
        switch observed {
        case .success(let sample): await item.monitor.observe(item.trigger.id.value, sample)
        case .failure(let failure): await item.monitor.sourceFailed(item.trigger.id.value, failure)
        }
    }

    /// One observation of `trigger` of `playbook` now, outside the loops (tests).
    func cycle(_ playbook: String, _ trigger: String) async {
        guard let item = probed.first(where: { $0.playbook.name.value == playbook && $0.trigger.id.value == trigger }) else { return }
        await cycle(item)
    }
}

