import Foundation
import PlaybookCore

extension Engine {
    /// Fan-out over a journal several runners share: this runner walks the contacts
    /// (`ContactWalk`), renders each delivery and journals it with its message (in batches),
    /// while it and every other live runner claim batches and send them (`SharedFanOutWorker`).
    /// The step ends when none of its deliveries is left unfinished — a dead runner's claims come
    /// back when their lease ends and are sent with the same key.
    func notifyShared(_ step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts, shared: any SharedDeliveries) async -> ActionResult {
        let setup: NotifySetup
        switch prepareNotify(step, playbook: playbook, facts: facts) {
        case .success(let prepared): setup = prepared
        case .failure(let failure): return .failed(failure.reason)
        }
        var (walk, contacts) = (setup.walk, setup.contacts)
        let renderer = setup.renderer
        defer { contacts.close() }
        let values = MessageValues(facts: facts)
        let planning = FanOutPlanning()
        let worker = SharedFanOutWorker(engine: self, shared: shared, step: step, playbook: playbook, incident: incident.id)
        let working = Task { try await worker.work(planning: planning) }
        // Progress counts every runner's deliveries: the journal's, once a second.
        let progressing = Task { [journal, progress, clock, stop, planning] in
            var warned = false
            while !Task.isCancelled {
                guard await stop.sleep(until: clock.now().addingTimeInterval(1), clock: clock), !Task.isCancelled else { return }
                guard let counts = try? await journal.deliveryCounts(incident: incident.id)[step.id.value] else { continue }
                var outcome = FanOutOutcome(counts: counts)
                progress.report(outcome.progress(step: step.id.value, counting: planning.isRunning))
                // Every runner's first deliveries failed: said once, as a single runner says it.
                if !warned, FanOutLimits.noneWentOut(sent: outcome.sent, failed: outcome.failed) {
                    warned = true
                    outcome.firstFailure = try? await journal.failures(incident: incident.id, limit: 100).first { $0.step == step.id.value }?.detail
                    progress.report(.log(step: step.id.value, message: outcome.allFailingWarning))
                }
            }
        }
        defer { progressing.cancel() }

        var batch: [SharedDelivery] = []
        /// Whether a stop came before every contact was read and journaled.
        var stoppedReading = false
        do {
            while let contact = contacts.next() {
                if stop.isRequested {
                    stoppedReading = true
                    break
                }
                guard walk.visit(contact) == .routed else { continue }
                for delivery in walk.deliveries where !delivery.isDuplicate {
                    let route = delivery.route
                    let rendered = renderer.render(contact: contact, values: values, locale: contact.locale)
                    let record = DeliveryRecord(
                        key: walk.key(of: delivery, to: contact, incident: incident.id), incident: incident.id, step: step.id.value, channel: route.channel,
                        contact: contact.id, address: route.address, status: route.deferredUntil == nil ? .pending : .deferred,
                        deferredUntil: route.deferredUntil)
                    batch.append(SharedDelivery(record: record, subject: rendered.subject, text: rendered.text, html: rendered.html, contact: contact))
                    if batch.count >= FanOutLimits.journalBatch {
                        try await shared.planShared(batch, playbook: playbook.name.value, at: clock.now())
                        batch.removeAll(keepingCapacity: true)
                    }
                }
            }
            try await shared.planShared(batch, playbook: playbook.name.value, at: clock.now())
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
            var outcome = FanOutOutcome(counts: try await journal.deliveryCounts(incident: incident.id)[step.id.value] ?? [:])
            progress.report(outcome.progress(step: step.id.value, counting: stoppedReading))
            // Stopped before the last contact was planned: the fan-out stays open for the resume.
            if outcome.done < outcome.total || stoppedReading { return outcome.result(interrupted: true) }
            try await shared.closeFanOut(incident: incident.id, step: step.id.value)
            if outcome.failed > 0 {
                outcome.firstFailure = try await journal.failures(incident: incident.id, limit: 1_000).first { $0.step == step.id.value }?.detail
            }
            return outcome.result(interrupted: false)
        } catch {
            return .failed(redactor.redact("cannot read the journal: \(error)"))
        }
    }
}
