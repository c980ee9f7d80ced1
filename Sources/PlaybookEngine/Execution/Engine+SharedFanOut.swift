import Foundation
import PlaybookCore

extension Engine {
    /// Fan-out over a journal several runners share: this runner streams the contacts, routes
    /// and renders each delivery and journals it with its message (in batches of 256), while it
    /// and every other live runner claim batches and send them (`SharedFanOutWorker`). The step
    /// ends when none of its deliveries is left unfinished — a dead runner's claims come back
    /// when their lease ends and are sent with the same key.
    func notifyShared(_ step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts, shared: any SharedDeliveries) async -> ActionResult {
        let setup: NotifySetup
        switch prepareNotify(step, playbook: playbook) {
        case .success(let prepared): setup = prepared
        case .failure(let failure): return .failed(failure.reason)
        }
        let (expression, renderer, routing) = (setup.expression, setup.renderer, setup.routing)
        var contacts = setup.contacts
        defer { contacts.close() }
        let values = MessageValues(facts: facts)
        let planning = PlanningState()
        let worker = SharedFanOutWorker(engine: self, shared: shared, step: step, playbook: playbook, incident: incident.id)
        let working = Task { try await worker.work(planning: planning) }
        // Progress counts every runner's deliveries: the journal's, once a second.
        let progressing = Task { [journal, progress, clock, stop] in
            while !Task.isCancelled {
                guard await stop.sleep(until: clock.now().addingTimeInterval(1), clock: clock), !Task.isCancelled else { return }
                guard let counts = try? await journal.deliveryCounts(incident: incident.id)[step.id.value] else { continue }
                let done = (counts[.sent] ?? 0) + (counts[.failed] ?? 0) + (counts[.cancelled] ?? 0)
                progress.report(.deliveries(step: step.id.value, done: done, failed: counts[.failed] ?? 0, total: counts.values.reduce(0, +)))
            }
        }
        defer { progressing.cancel() }

        var seen = Set<String>()
        var batch: [SharedDelivery] = []
        var quietCache = DeliveryRouting.QuietHoursCache()
        let now = clock.now()
        var planned = 0
        /// Whether a stop came before every contact was read and journaled.
        var stoppedReading = false
        do {
            while let contact = contacts.next() {
                if stop.isRequested {
                    stoppedReading = true
                    break
                }
                let member = Evaluator { path in facts.resolve(path, contact: contact) }.evaluate(expression)
                guard member == .bool(true) else { continue }
                for route in routing.routes(for: contact, at: now, cache: &quietCache) {
                    guard seen.insert(route.channel + "\u{1F}" + route.address).inserted else { continue }
                    let key = "\(incident.id)/\(step.id.value)/\(contact.id)/\(route.channel)"
                    let rendered = renderer.render(contact: contact, values: values, locale: contact.locale)
                    let record = DeliveryRecord(
                        key: key, incident: incident.id, step: step.id.value, channel: route.channel, contact: contact.id, address: route.address,
                        status: route.deferredUntil == nil ? .pending : .deferred, deferredUntil: route.deferredUntil)
                    batch.append(SharedDelivery(record: record, subject: rendered.subject, text: rendered.text, html: rendered.html, contact: contact))
                    if batch.count >= 256 {
                        try await shared.planShared(batch, playbook: playbook.name.value, at: clock.now())
                        planned += batch.count
                        batch.removeAll(keepingCapacity: true)
                    }
                }
            }
            try await shared.planShared(batch, playbook: playbook.name.value, at: clock.now())
            planned += batch.count
        } catch {
            planning.finish(complete: false)
            working.cancel()
            _ = try? await working.value
            return .failed(redactor.redact("fan-out stopped: \(error)"))
        }
        planning.finish(complete: !stop.isRequested)
        do {
            _ = try await working.value
        } catch {
            return .failed(redactor.redact("fan-out stopped: \(error)"))
        }
        if !contacts.issues.isEmpty {
            try? await journal.log(incident: incident.id, step: step.id.value, message: "contacts: \(contacts.issues.summary)", at: clock.now())
        }
        do {
            let counts = try await journal.deliveryCounts(incident: incident.id)[step.id.value] ?? [:]
            let sent = counts[.sent] ?? 0
            let failed = counts[.failed] ?? 0
            let done = sent + failed + (counts[.cancelled] ?? 0)
            let total = counts.values.reduce(0, +)
            progress.report(.deliveries(step: step.id.value, done: done, failed: failed, total: total))
            // Stopped before the last contact was planned: the fan-out stays open for the resume.
            if done < total || stoppedReading {
                return .failed("interrupted after \(done) of \(total) deliveries")
            }
            try await shared.closeFanOut(incident: incident.id, step: step.id.value)
            if failed > 0 {
                let first = try await journal.failures(incident: incident.id, limit: 1_000).first { $0.step == step.id.value }?.detail
                return .failed("\(failed) of \(total) deliveries failed\(first.map { "; first: \($0)" } ?? "")")
            }
            return .succeeded("\(sent) deliveries sent")
        } catch {
            return .failed(redactor.redact("cannot read the journal: \(error)"))
        }
    }
}

/// Whether the runner that plans a fan-out is still journaling its deliveries.
final class PlanningState: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var complete = false

    func finish(complete: Bool) {
        lock.withLock {
            running = false
            self.complete = complete
        }
    }

    var isRunning: Bool { lock.withLock { running } }
    var isComplete: Bool { lock.withLock { complete } }
}

/// Claims batches of a shared fan-out's deliveries and sends them through this runner's channel
/// gates, keeping its claims alive while it works and handing back what it did not start when it stops.
struct SharedFanOutWorker: Sendable {
    let engine: Engine
    let shared: any SharedDeliveries
    let step: Step
    let playbook: Playbook
    let incident: String

    static let batch = 256
    /// How often an idle runner looks again while others still hold claims or planning goes on.
    static let poll = 0.1

    /// Sends until nothing is left to claim. The planner (`planning` given) also waits for the
    /// deliveries others hold, and takes them over if their lease ends; a helper returns as soon
    /// as it finds nothing to claim. Returns how many deliveries this runner finished.
    @discardableResult
    func work(planning: PlanningState?) async throws -> Int {
        let shared = self.shared
        let incident = self.incident
        let stepID = step.id.value
        let lease = engine.claimLease
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: (lease / 3).saturatingNanoseconds)
                if Task.isCancelled { break }
                try? await shared.renewClaims(incident: incident, step: stepID, lease: lease)
            }
        }
        defer { renewal.cancel() }
        let finished = FinishedCount()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var outstanding = 0
                while !engine.stop.isRequested, !Task.isCancelled {
                    let claimed = try await shared.claim(incident: incident, step: stepID, limit: Self.batch, lease: lease, now: engine.clock.now())
                    if claimed.isEmpty {
                        guard let planning else { break }
                        if !planning.isRunning {
                            while outstanding > 0 {
                                try await group.next()
                                outstanding -= 1
                            }
                            if !planning.isComplete { break }
                            if try await shared.unfinishedDeliveries(incident: incident, step: stepID) == 0 { break }
                        }
                        try await Task.sleep(nanoseconds: Self.poll.saturatingNanoseconds)
                        continue
                    }
                    for delivery in claimed {
                        if engine.stop.isRequested { break }
                        let gate = await engine.gates.gate(for: delivery.record.channel, in: playbook, clock: engine.clock)
                        try await gate.acquire()
                        group.addTask {
                            await self.deliver(delivery)
                            await gate.release()
                            finished.add()
                        }
                        outstanding += 1
                        while outstanding >= 2 * Self.batch {
                            try await group.next()
                            outstanding -= 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await shared.renewClaims(incident: incident, step: stepID, lease: 0)
            throw error
        }
        // What this runner claimed but did not start goes back at once (a clean stop).
        if engine.stop.isRequested { try? await shared.renewClaims(incident: incident, step: stepID, lease: 0) }
        return finished.value
    }

    func deliver(_ delivery: SharedDelivery) async {
        let journal = engine.journal
        let clock = engine.clock
        let record = delivery.record
        var attempts = 0
        // As in a single runner's fan-out: an SMS that waited for quiet hours is about the
        // incident, and is not sent once the incident has resolved (recovery's messages are).
        if record.deferredUntil != nil, !playbook.recovery.contains(where: { $0.id == step.id }), await !engine.isStillActive(incident: incident, playbook: playbook.name.value) {
            try? await journal.markDelivery(record.key, .cancelled, detail: Engine.cancelledAfterResolution, at: clock.now())
            return
        }
        do {
            let message = OutboundMessage(
                playbook: playbook.name.value, incident: incident, step: step.id.value, action: "notify", idempotencyKey: record.key,
                contact: delivery.contact, address: record.address, subject: delivery.subject, text: delivery.text, html: delivery.html)
            let channel = try await engine.channels.messageChannel(record.channel)
            let retrying = Retrying(policy: step.retry, timeout: step.timeout, clock: clock)
            let (_, made) = try await retrying.run { () async throws(ChannelFailure) -> DeliveryReceipt in try await channel.send(message) }
            attempts = made
            try await journal.markDelivery(record.key, .sent, attempts: attempts, at: clock.now())
        } catch {
            let reason = engine.redactor.redact(FanOut.describe(error))
            if let failed = error as? AttemptsFailed { attempts = failed.attempts }
            try? await journal.markDelivery(record.key, .failed, attempts: attempts, detail: reason, at: clock.now())
        }
    }
}

/// A counter shared by a worker's delivery tasks.
final class FinishedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Lets a runner that did not open an incident help with its fan-outs: every open fan-out of
/// the given playbooks is worked on until nothing is left to claim, then looked for again.
public struct FanOutHelper: Sendable {
    let engines: [String: (engine: Engine, playbook: Playbook)]
    let shared: any SharedDeliveries
    let stop: StopSignal
    let clock: any EngineClock
    /// How often to look for open fan-outs when there is nothing to do.
    public var idle: Double

    public init(
        engines: [String: (engine: Engine, playbook: Playbook)], shared: any SharedDeliveries, stop: StopSignal, clock: any EngineClock = SystemClock(),
        idle: Double = 0.5
    ) {
        self.engines = engines
        self.shared = shared
        self.stop = stop
        self.clock = clock
        self.idle = idle
    }

    /// Helps until a stop is requested.
    public func run() async {
        while !stop.isRequested {
            let open = (try? await shared.openFanOuts(playbooks: Array(engines.keys))) ?? []
            var worked = 0
            await withTaskGroup(of: Int.self) { group in
                for fanOut in open {
                    guard let (engine, playbook) = engines[fanOut.playbook],
                        let step = (playbook.steps + playbook.recovery).first(where: { $0.id.value == fanOut.step })
                    else { continue }
                    group.addTask {
                        let worker = SharedFanOutWorker(engine: engine, shared: shared, step: step, playbook: playbook, incident: fanOut.incident)
                        return (try? await worker.work(planning: nil)) ?? 0
                    }
                }
                for await count in group { worked += count }
            }
            if worked == 0 {
                guard await stop.sleep(until: clock.now().addingTimeInterval(idle), clock: clock) else { return }
            }
        }
    }
}
