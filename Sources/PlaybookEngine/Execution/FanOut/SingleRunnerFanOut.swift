import Foundation
import PlaybookCore

/// A `notify` step's fan-out on one runner: walks the contacts (`ContactWalk`), journals each
/// delivery before attempting it (in batches), hands it to its channel's workers
/// (`DeliveryQueue`, `DeliveryWorker`), which send through the channel's gate, and sends the
/// deliveries quiet hours hold back once their window ends — unless the incident resolved
/// meanwhile (they are about the incident; a recovery step's messages always go out).
struct SingleRunnerFanOut {
    /// One delivery of the step, journaled or about to be.
    struct PendingDelivery: Sendable {
        var key: String
        var channel: String
        var type: ChannelType
        var contact: Contact
        var address: String
        var deferredUntil: Date?
    }

    let engine: Engine
    let step: Step
    let playbook: Playbook
    let incident: IncidentRecord
    let facts: Facts
    let renderer: MessageRenderer
    let counter: FanOutCounter
    let sender: DeliverySender
    /// The template values without the contact, computed once for the step.
    let values: MessageValues
    /// What the journal already holds for the step (a resume), by key.
    let journaled: [String: DeliveryRecord]
    private var walk: ContactWalk
    private var batch: [PendingDelivery] = []
    /// Deliveries waiting for the end of their quiet hours.
    private(set) var deferred: [PendingDelivery] = []
    /// Each channel's gate, once looked up.
    private var gates: [String: ChannelGate] = [:]
    /// Each channel's queue in the current phase (its workers started with it): the contacts
    /// first, then the deliveries quiet hours held back.
    private var queues: [String: DeliveryQueue<PendingDelivery>] = [:]
    /// Whether this phase's workers decide quiet hours again once a gate admits a delivery.
    private var recheckQuietHours = true
    /// The batch being journaled while the one before it is sent, and the batches whose
    /// journaling has finished (by number).
    private var journaling: (number: Int, deliveries: [PendingDelivery])?
    private var batchesStarted = 0
    private var batchesJournaled: Set<Int> = []
    /// Whether a stop came before every contact was read.
    private(set) var stoppedReading = false

    /// Progress is reported every this many finished deliveries.
    static let progressEvery = 100

    init(
        engine: Engine, step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts, walk: ContactWalk, renderer: MessageRenderer,
        journaled: [DeliveryRecord]
    ) {
        self.engine = engine
        self.step = step
        self.playbook = playbook
        self.incident = incident
        self.facts = facts
        self.walk = walk
        self.renderer = renderer
        let (counter, progress, stepID) = (FanOutCounter(), engine.progress, step.id.value)
        self.counter = counter
        // A delivery counts as done once its mark is durable, and progress says so.
        self.sender = DeliverySender(engine: engine, step: step, playbook: playbook.name.value, incident: incident.id) { status, detail in
            let recorded = counter.record(status, detail: detail)
            let (counts, counting) = (recorded.outcome, recorded.counting)
            if recorded.allFailing { progress.report(.log(step: stepID, message: counts.allFailingWarning)) }
            let finished = counts.sent + counts.failed
            // Every hundredth, but not the last: the step's closing report says that one.
            if finished % Self.progressEvery == 0, finished < counts.total || counting {
                progress.report(.deliveries(step: stepID, done: finished, failed: counts.failed, total: counts.total, counting: counting))
            }
        }
        self.values = MessageValues(facts: facts)
        self.journaled = Dictionary(journaled.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// What a task of the fan-out's group did: journaled batch `n`, or (a channel's worker)
    /// sent deliveries until its queue closed, moving these to after their quiet hours.
    enum Finished: Sendable {
        case journaled(Int)
        case worker(deferred: [PendingDelivery])
    }

    /// Walks every contact and sends; returns when every delivery started has finished (or a
    /// stop came). Throws when the journal cannot be written.
    mutating func run(_ contacts: inout any ContactReader) async throws {
        try await withThrowingTaskGroup(of: Finished.self) { group in
            try await readContacts(&contacts, group: &group)
            // A stop before the last contact leaves the total unknown: progress keeps saying so.
            if !stoppedReading { counter.countingEnded() }
            if !batch.isEmpty { try await journalAndSendPrevious(batch, group: &group) }
            if let last = journaling {
                journaling = nil
                try await sendJournaled(last, group: &group)
            }
            try await finishWorkers(group: &group)
            recheckQuietHours = false
            try await sendDeferred(group: &group)
            try await finishWorkers(group: &group)
        }
    }

    /// Closes this phase's queues and waits for their workers to send what is queued.
    private mutating func finishWorkers(group: inout ThrowingTaskGroup<Finished, any Error>) async throws {
        for queue in queues.values { queue.close() }
        queues = [:]
        while let finished = try await group.next() { reap(finished) }
    }

    private mutating func readContacts(_ contacts: inout any ContactReader, group: inout ThrowingTaskGroup<Finished, any Error>) async throws {
        while let contact = contacts.next() {
            if engine.stop.isRequested {
                stoppedReading = true
                return
            }
            guard walk.visit(contact) == .routed else { continue }
            for delivery in walk.deliveries where !delivery.isDuplicate {
                let key = walk.key(of: delivery, to: contact, incident: incident.id)
                if let previous = journaled[key], [.sent, .failed, .cancelled].contains(previous.status) {
                    counter.record(previous.status, detail: previous.detail, attempted: false)
                    continue
                }
                let route = delivery.route
                batch.append(
                    PendingDelivery(
                        key: key, channel: route.channel, type: route.type, contact: contact, address: route.address, deferredUntil: route.deferredUntil))
                counter.expect(1)
                if batch.count >= FanOutLimits.journalBatch {
                    try await journalAndSendPrevious(batch, group: &group)
                    batch.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    /// Starts journaling `deliveries` as a task of the group, then sends the batch journaled
    /// before them: a batch is journaled while the one before it is sent, so the fan-out does not
    /// stand still for each batch's commit. No delivery is attempted before its batch is journaled.
    private mutating func journalAndSendPrevious(_ deliveries: [PendingDelivery], group: inout ThrowingTaskGroup<Finished, any Error>) async throws {
        let number = batchesStarted
        batchesStarted += 1
        let records = deliveries.filter { journaled[$0.key] == nil }.map { d in
            DeliveryRecord(
                key: d.key, incident: incident.id, step: step.id.value, channel: d.channel, contact: d.contact.id, address: d.address,
                status: d.deferredUntil == nil ? .pending : .deferred, deferredUntil: d.deferredUntil)
        }
        let (journal, now) = (engine.journal, engine.clock.now())
        group.addTask {
            try await journal.planDeliveries(records, at: now)
            return .journaled(number)
        }
        let previous = journaling
        journaling = (number, deliveries)
        if let previous { try await sendJournaled(previous, group: &group) }
    }

    /// Once `batch` is journaled, starts each of its deliveries that is due.
    private mutating func sendJournaled(_ batch: (number: Int, deliveries: [PendingDelivery]), group: inout ThrowingTaskGroup<Finished, any Error>) async throws {
        while !batchesJournaled.contains(batch.number) {
            guard let finished = try await group.next() else { break }
            reap(finished)
        }
        batchesJournaled.remove(batch.number)
        for delivery in batch.deliveries {
            let previous = journaled[delivery.key]
            if let until = delivery.deferredUntil ?? previous?.deferredUntil, until > engine.clock.now(), previous?.status != .sent {
                var later = delivery
                later.deferredUntil = until
                deferred.append(later)
                continue
            }
            if delivery.deferredUntil ?? previous?.deferredUntil != nil, previous?.status != .sent, await resolvedMeanwhile() {
                try await cancel(delivery)
                continue
            }
            if engine.stop.isRequested { return }
            try await send(delivery, group: &group)
        }
    }

    /// Takes in a finished task of the group.
    private mutating func reap(_ finished: Finished) {
        switch finished {
        case .journaled(let number): batchesJournaled.insert(number)
        case .worker(let later): deferred.append(contentsOf: later)
        }
    }

    /// Quiet hours: waits for the end of each window, then sends (a restart finds them in the journal).
    private mutating func sendDeferred(group: inout ThrowingTaskGroup<Finished, any Error>) async throws {
        let start = walk.moment
        deferred.sort { ($0.deferredUntil ?? start) < ($1.deferredUntil ?? start) }
        var checkedAt: Date?
        var resolved = false
        for delivery in deferred {
            guard await engine.stop.sleep(until: delivery.deferredUntil ?? start, clock: engine.clock) else { break }
            if !resolved, checkedAt != delivery.deferredUntil {
                checkedAt = delivery.deferredUntil
                resolved = await resolvedMeanwhile()
            }
            if resolved {
                try await cancel(delivery)
                continue
            }
            try await send(delivery, group: &group)
        }
    }

    /// Hands one delivery to its channel's workers (started with the channel's queue, as many
    /// as the channel's `concurrency`); waits while the queue is full. When the workers failed,
    /// every queue is abandoned and their failure ends the fan-out.
    private mutating func send(_ delivery: PendingDelivery, group: inout ThrowingTaskGroup<Finished, any Error>) async throws {
        let queue = await queue(for: delivery.channel, group: &group)
        guard await !queue.put(delivery) else { return }
        for queue in queues.values { queue.abandon() }
        queues = [:]
        while let finished = try await group.next() { reap(finished) }
        throw CancellationError()
    }

    /// The channel's queue in this phase, its workers started on first use.
    private mutating func queue(for channel: String, group: inout ThrowingTaskGroup<Finished, any Error>) async -> DeliveryQueue<PendingDelivery> {
        if let queue = queues[channel] { return queue }
        // The registry is an actor shared by the engine's steps: asked once per channel per step.
        let gate: ChannelGate
        if let known = gates[channel] {
            gate = known
        } else {
            gate = await engine.gates.gate(for: channel, in: playbook, clock: engine.clock)
            gates[channel] = gate
        }
        let queue = DeliveryQueue<PendingDelivery>(capacity: FanOutLimits.journalBatch)
        queues[channel] = queue
        let quietHours = recheckQuietHours
            ? playbook.settings.quietHours.map { DeliveryWorker.QuietHoursCheck(window: $0.value, defaultZone: walk.routing.defaultTimezone) } : nil
        let worker = DeliveryWorker(engine: engine, sender: sender, renderer: renderer, values: values, gate: gate, quietHours: quietHours)
        for _ in 0..<gate.concurrency {
            group.addTask { .worker(deferred: try await worker.run(queue)) }
        }
        return queue
    }

    /// Whether the incident resolved since the step started; always false for recovery steps
    /// (whose facts are not `active`), whose messages are about the recovery.
    private func resolvedMeanwhile() async -> Bool {
        guard facts.active == true else { return false }
        return await !engine.isStillActive(incident)
    }

    /// Journals a held-back delivery as not sent: the incident resolved before its window ended.
    private func cancel(_ delivery: PendingDelivery) async throws {
        try await engine.journal.markDelivery(delivery.key, .cancelled, detail: Engine.cancelledAfterResolution, at: engine.clock.now())
        counter.record(.cancelled, detail: nil, attempted: false)
    }
}
