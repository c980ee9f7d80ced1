import Foundation
import PlaybookCore

/// Claims batches of a shared fan-out's deliveries and sends them through this runner's channel
/// gates, keeping its claims alive while it works and handing back what it did not start when it stops.
struct SharedFanOutWorker: Sendable {
    let engine: Engine
    let shared: any SharedDeliveries
    let step: Step
    let playbook: Playbook
    let incident: String

    /// Sends until nothing is left to claim. The planner (`planning` given) also waits for the
    /// deliveries others hold, and takes them over if their lease ends; a helper returns as soon
    /// as it finds nothing to claim. Returns how many deliveries this runner finished.
    @discardableResult
    func work(planning: FanOutPlanning?) async throws -> Int {
        let (shared, incident, stepID, clock) = (shared, incident, step.id.value, engine.clock)
        let lease = engine.claimLease
        // Renewed three times a lease, paced on the engine's clock like every wait of the engine
        // (the lease itself runs on the database's clock).
        let renewal = Task {
            while !Task.isCancelled {
                try? await clock.sleep(until: clock.now().addingTimeInterval(lease / 3))
                if Task.isCancelled { break }
                try? await shared.renewClaims(incident: incident, step: stepID, lease: lease)
            }
        }
        defer { renewal.cancel() }
        let sender = DeliverySender(engine: engine, step: step, playbook: playbook.name.value, incident: incident)
        // Every task started finishes its delivery (a send does not throw), so when the group
        // has waited for all of them this runner has finished as many as it started.
        var started = 0
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var outstanding = 0
                while !engine.stop.isRequested, !Task.isCancelled {
                    let claimed = try await shared.claim(
                        incident: incident, step: stepID, limit: FanOutLimits.journalBatch, lease: lease, now: clock.now())
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
                        try await clock.sleep(until: clock.now().addingTimeInterval(FanOutLimits.claimPoll))
                        continue
                    }
                    for delivery in claimed {
                        if engine.stop.isRequested { break }
                        let gate = await engine.gates.gate(for: delivery.record.channel, in: playbook, clock: clock)
                        try await gate.acquire()
                        group.addTask {
                            await self.deliver(delivery, through: sender, gate: gate)
                        }
                        started += 1
                        outstanding += 1
                        while outstanding >= FanOutLimits.tasksInFlight {
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
        return started
    }

    /// Sends one claimed delivery — unless quiet hours held it back and the incident resolved
    /// meanwhile: as in a single runner's fan-out, such a message is about the incident and is
    /// journaled `cancelled` (a recovery step's messages always go out).
    /// The gate's slot is given back here (a cancelled delivery) or by the sender.
    func deliver(_ delivery: SharedDelivery, through sender: DeliverySender, gate: ChannelGate) async {
        let record = delivery.record
        if record.deferredUntil != nil, !playbook.recovery.contains(where: { $0.id == step.id }),
            await !engine.isStillActive(incident: incident, playbook: playbook.name.value)
        {
            try? await engine.journal.markDelivery(record.key, .cancelled, detail: Engine.cancelledAfterResolution, at: engine.clock.now())
            gate.release()
            return
        }
        await sender.send(
            key: record.key, channel: record.channel, contact: delivery.contact, address: record.address, subject: delivery.subject, text: delivery.text,
            html: delivery.html, gate: gate)
    }
}
