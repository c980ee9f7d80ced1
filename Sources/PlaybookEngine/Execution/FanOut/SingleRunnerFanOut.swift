import Foundation
import PlaybookCore

/// A `notify` step's fan-out on one runner: walks the contacts (`ContactWalk`), journals each
/// delivery before attempting it (in batches), sends through each channel's gate, and sends the
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
    let counter = FanOutCounter()
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
    /// Delivery tasks started and not reaped yet.
    private var outstanding = 0
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
        self.sender = DeliverySender(engine: engine, step: step, playbook: playbook.name.value, incident: incident.id)
        self.values = MessageValues(facts: facts)
        self.journaled = Dictionary(journaled.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// What a task of the fan-out's group did: sent one delivery, or journaled batch `n`.
    enum Finished: Sendable {
        case delivery
        case journaled(Int)
    }

    /// Walks every contact and sends; returns when every delivery started has finished (or a
    /// stop came). Throws when the journal cannot be written.
    mutating func run(_ contacts: inout any ContactReader) async throws {
        try await withThrowingTaskGroup(of: Finished.self) { group in
            try await readContacts(&contacts, group: &group)
            if !batch.isEmpty { try await journalAndSendPrevious(batch, group: &group) }
            if let last = journaling {
                journaling = nil
                try await sendJournaled(last, group: &group)
            }
            try await group.waitForAll()
            outstanding = 0
            try await sendDeferred(group: &group)
            try await group.waitForAll()
        }
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
                    counter.record(previous.status, detail: previous.detail)
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
            try await send(delivery, recheckQuietHours: true, group: &group)
        }
    }

    /// Counts a finished task of the group.
    private mutating func reap(_ finished: Finished) {
        switch finished {
        case .delivery: outstanding -= 1
        case .journaled(let number): batchesJournaled.insert(number)
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
            try await send(delivery, recheckQuietHours: false, group: &group)
        }
    }

    /// Starts one delivery when its channel's gate admits it, reaping finished ones so the group
    /// holds at most `FanOutLimits.tasksInFlight`. With `recheckQuietHours`, quiet hours are
    /// decided again once the gate lets the delivery through: a rate-limited fan-out that started
    /// before a contact's window can reach it, and then the delivery waits for the window's end.
    private mutating func send(_ delivery: PendingDelivery, recheckQuietHours: Bool, group: inout ThrowingTaskGroup<Finished, any Error>) async throws {
        // The registry is an actor shared by the engine's steps: asked once per channel per step.
        let gate: ChannelGate
        if let known = gates[delivery.channel] {
            gate = known
        } else {
            gate = await engine.gates.gate(for: delivery.channel, in: playbook, clock: engine.clock)
            gates[delivery.channel] = gate
        }
        try await gate.acquire()
        if recheckQuietHours, let later = quietHoursEnd(delivery) {
            gate.release()
            try await engine.journal.markDelivery(delivery.key, .deferred, at: engine.clock.now())
            var moved = delivery
            moved.deferredUntil = later
            deferred.append(moved)
            return
        }
        let (sender, renderer, values, counter, progress, stepID) = (sender, renderer, values, counter, engine.progress, step.id.value)
        group.addTask {
            let message = renderer.render(contact: delivery.contact, values: values, locale: delivery.contact.locale)
            let outcome = await sender.send(
                key: delivery.key, channel: delivery.channel, contact: delivery.contact, address: delivery.address, subject: message.subject,
                text: message.text, html: message.html, gate: gate)
            let counts = counter.record(outcome.status, detail: outcome.detail)
            let finished = counts.sent + counts.failed
            // Every hundredth, but not the last: the step's closing report says that one.
            if finished % Self.progressEvery == 0, finished < counts.total {
                progress.report(.deliveries(step: stepID, done: finished, failed: counts.failed, total: counts.total))
            }
            return .delivery
        }
        outstanding += 1
        while outstanding >= FanOutLimits.tasksInFlight {
            guard let finished = try await group.next() else {
                outstanding = 0
                break
            }
            reap(finished)
        }
    }

    /// When quiet hours hold `delivery` back now (in the contact's timezone), the moment they end.
    private func quietHoursEnd(_ delivery: PendingDelivery) -> Date? {
        guard let window = playbook.settings.quietHours?.value, DeliveryRouting.respectsQuietHours(delivery.type) else { return nil }
        let zone = walk.routing.defaultTimezone
        let contactZone = delivery.contact.timezone.isEmpty ? zone : (TimeZone(identifier: delivery.contact.timezone) ?? zone)
        return DeliveryRouting.endOfQuietHours(window, at: engine.clock.now(), in: contactZone)
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
        counter.record(.cancelled, detail: nil)
    }
}
