import Foundation
import PlaybookCore

extension Engine {
    /// One planned delivery of a notify step.
    struct PendingDelivery: Sendable {
        var key: String
        var channel: String
        var type: ChannelType
        var contact: Contact
        var address: String
        var deferredUntil: Date?
    }

    /// Fan-out: streams the contacts, routes each member of the segment (consent, first channel
    /// or all, quiet hours), skips addresses already served in this step, journals each delivery
    /// before attempting it, and sends through each channel's gate. Resumable: deliveries already
    /// sent are skipped, those attempted but unconfirmed are retried with the same key.
    func notify(_ step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts) async -> ActionResult {
        let setup: NotifySetup
        switch prepareNotify(step, playbook: playbook) {
        case .success(let prepared): setup = prepared
        case .failure(let failure): return .failed(failure.reason)
        }
        let (expression, renderer, routing, zone) = (setup.expression, setup.renderer, setup.routing, setup.zone)
        var contacts = setup.contacts
        defer { contacts.close() }
        let existing: [String: DeliveryRecord]
        do {
            existing = Dictionary(try await journal.deliveries(incident: incident.id, step: step.id.value).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        } catch {
            return .failed("cannot read the journal: \(error)")
        }
        let counter = FanOutCounter()
        let fanOut = FanOut(engine: self, step: step, playbook: playbook, incident: incident, facts: facts, renderer: renderer, counter: counter,
                            values: MessageValues(facts: facts))

        var seen = Set<String>()
        var batch: [PendingDelivery] = []
        var deferred: [PendingDelivery] = []
        var quietCache = DeliveryRouting.QuietHoursCache()
        let now = clock.now()
        /// Whether a stop came before every contact was read.
        var stoppedReading = false
        // A delivery that waits for quiet hours is about the incident: when the incident has
        // resolved by the time the window ends, it is not sent (journaled `cancelled`). Recovery
        // steps' messages are about the recovery, and always go out.
        let cancelledReason = Engine.cancelledAfterResolution
        func resolvedMeanwhile() async -> Bool {
            guard facts.active == true else { return false }
            return await !isStillActive(incident)
        }
        func quietHoursEnd(_ delivery: PendingDelivery) -> Date? {
            guard let window = playbook.settings.quietHours?.value, DeliveryRouting.respectsQuietHours(delivery.type) else { return nil }
            let contactZone = delivery.contact.timezone.isEmpty ? zone : (TimeZone(identifier: delivery.contact.timezone) ?? zone)
            return DeliveryRouting.endOfQuietHours(window, at: clock.now(), in: contactZone)
        }
        func cancel(_ delivery: PendingDelivery) async throws {
            try await journal.markDelivery(delivery.key, .cancelled, detail: cancelledReason, at: clock.now())
            await counter.record(.cancelled, detail: nil)
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var outstanding = 0
                func dispatch(_ deliveries: [PendingDelivery]) async throws {
                    let fresh = deliveries.filter { existing[$0.key] == nil }
                    try await journal.planDeliveries(fresh.map { d in
                        DeliveryRecord(key: d.key, incident: incident.id, step: step.id.value, channel: d.channel, contact: d.contact.id, address: d.address,
                                       status: d.deferredUntil == nil ? .pending : .deferred, deferredUntil: d.deferredUntil)
                    }, at: clock.now())
                    for delivery in deliveries {
                        if let until = delivery.deferredUntil ?? existing[delivery.key]?.deferredUntil, until > clock.now(),
                            existing[delivery.key]?.status != .sent {
                            var later = delivery
                            later.deferredUntil = until
                            deferred.append(later)
                            continue
                        }
                        if delivery.deferredUntil ?? existing[delivery.key]?.deferredUntil != nil, existing[delivery.key]?.status != .sent,
                            await resolvedMeanwhile()
                        {
                            try await cancel(delivery)
                            continue
                        }
                        if stop.isRequested { return }
                        try await send(delivery, recheckQuietHours: true)
                    }
                }
                /// Starts one delivery when its channel's gate admits it; reaps finished ones so the
                /// group holds at most 512 at a time. With `recheckQuietHours`, quiet hours are decided
                /// again once the gate lets the delivery through: a rate-limited fan-out that started
                /// before a contact's window can reach it, and then the delivery waits for the window's end.
                func send(_ delivery: PendingDelivery, recheckQuietHours: Bool) async throws {
                    let gate = await fanOut.gates.gate(for: delivery.channel, in: playbook, clock: clock)
                    try await gate.acquire()
                    if recheckQuietHours, let later = quietHoursEnd(delivery) {
                        await gate.release()
                        try await journal.markDelivery(delivery.key, .deferred, at: clock.now())
                        var moved = delivery
                        moved.deferredUntil = later
                        deferred.append(moved)
                        return
                    }
                    group.addTask {
                        await fanOut.deliver(delivery)
                        await gate.release()
                    }
                    outstanding += 1
                    while outstanding >= 512 {
                        try await group.next()
                        outstanding -= 1
                    }
                }
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
                        if let previous = existing[key], [.sent, .failed, .cancelled].contains(previous.status) {
                            await counter.record(previous.status, detail: previous.detail)
                            continue
                        }
                        batch.append(PendingDelivery(key: key, channel: route.channel, type: route.type, contact: contact, address: route.address,
                                                     deferredUntil: route.deferredUntil))
                        await counter.expect(1)
                        if batch.count >= 256 {
                            try await dispatch(batch)
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                }
                try await dispatch(batch)
                try await group.waitForAll()
                outstanding = 0
                // Quiet hours: wait for the end of each window, then send (a restart finds them in the journal).
                deferred.sort { ($0.deferredUntil ?? now) < ($1.deferredUntil ?? now) }
                var checkedAt: Date?
                var resolved = false
                for delivery in deferred {
                    guard await stop.sleep(until: delivery.deferredUntil ?? now, clock: clock) else { break }
                    if !resolved, checkedAt != delivery.deferredUntil {
                        checkedAt = delivery.deferredUntil
                        resolved = await resolvedMeanwhile()
                    }
                    if resolved {
                        try await cancel(delivery)
                        continue
                    }
                    try await send(delivery, recheckQuietHours: false)
                }
                try await group.waitForAll()
            }
        } catch {
            return .failed(redactor.redact("fan-out stopped: \(error)"))
        }
        let summary = await counter.summary()
        let done = summary.sent + summary.failed + summary.cancelled
        progress.report(.deliveries(step: step.id.value, done: done, failed: summary.failed, total: summary.total))
        // Stopped before the last contact was read: the counts cover only what was read, so equal
        // counts do not mean done (a stop while the first batch was sending once ended as success).
        if stop.isRequested, stoppedReading || done < summary.total || !deferred.isEmpty {
            return .failed("interrupted after \(done) of \(summary.total) deliveries")
        }
        if !contacts.issues.isEmpty {
            try? await journal.log(incident: incident.id, step: step.id.value, message: "contacts: \(contacts.issues.summary)", at: clock.now())
        }
        if summary.failed > 0 {
            return .failed("\(summary.failed) of \(summary.total) deliveries failed\(summary.firstFailure.map { "; first: \($0)" } ?? "")")
        }
        let cancelled = summary.cancelled > 0 ? "; \(summary.cancelled) not sent: the incident resolved before their quiet hours ended" : ""
        return .succeeded("\(summary.sent) deliveries sent\(cancelled)")
    }
}

/// Counts a step's deliveries as they finish, for progress and the step's outcome.
actor FanOutCounter {
    private(set) var total = 0
    private(set) var sent = 0
    private(set) var failed = 0
    private(set) var cancelled = 0
    private(set) var firstFailure: String?

    func expect(_ count: Int) { total += count }

    func record(_ status: DeliveryStatus, detail: String?) {
        switch status {
        case .sent: sent += 1
        case .cancelled: cancelled += 1
        default: failed += 1
        }
        if status == .failed, firstFailure == nil { firstFailure = detail }
    }

    func summary() -> (total: Int, sent: Int, failed: Int, cancelled: Int, firstFailure: String?) {
        (max(total, sent + failed + cancelled), sent, failed, cancelled, firstFailure)
    }
}

/// Sends single deliveries of one step: renders, marks the attempt, calls the channel with
/// retries, and marks the result.
struct FanOut: Sendable {
    let engine: Engine
    let step: Step
    let playbook: Playbook
    let incident: IncidentRecord
    let facts: Facts
    let renderer: MessageRenderer
    let counter: FanOutCounter
    /// The template values without the contact, computed once for the step.
    let values: MessageValues
    var gates: GateRegistry { engine.gates }
    private let progressEvery = 100

    func deliver(_ delivery: Engine.PendingDelivery) async {
        let journal = engine.journal
        let clock = engine.clock
        var attempts = 0
        do {
            let rendered = renderer.render(contact: delivery.contact, values: values, locale: delivery.contact.locale)
            let message = OutboundMessage(playbook: playbook.name.value, incident: incident.id, step: step.id.value, action: "notify",
                                          idempotencyKey: delivery.key, contact: delivery.contact, address: delivery.address,
                                          subject: rendered.subject, text: rendered.text, html: rendered.html)
            let channel = try await engine.channels.messageChannel(delivery.channel)
            let retrying = Retrying(policy: step.retry, timeout: step.timeout, clock: clock)
            let (_, made) = try await retrying.run { () async throws(ChannelFailure) -> DeliveryReceipt in try await channel.send(message) }
            attempts = made
            try await journal.markDelivery(delivery.key, .sent, attempts: attempts, at: clock.now())
            await counter.record(.sent, detail: nil)
        } catch {
            let reason = engine.redactor.redact(Self.describe(error))
            if let failed = error as? AttemptsFailed { attempts = failed.attempts }
            try? await journal.markDelivery(delivery.key, .failed, attempts: attempts, detail: reason, at: clock.now())
            await counter.record(.failed, detail: reason)
        }
        let summary = await counter.summary()
        if (summary.sent + summary.failed) % progressEvery == 0 {
            engine.progress.report(.deliveries(step: step.id.value, done: summary.sent + summary.failed, failed: summary.failed, total: summary.total))
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let failed as AttemptsFailed: return "\(failed.error.message) (after \(failed.attempts) attempt\(failed.attempts == 1 ? "" : "s"))"
        case let channel as ChannelFailure: return channel.message
        default: return "\(error)"
        }
    }
}
