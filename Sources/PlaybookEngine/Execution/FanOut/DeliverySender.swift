import Foundation
import PlaybookCore
import Synchronization

/// Sends one delivery of a `notify` step, the same way whichever fan-out started it: wraps the
/// rendered message in its envelope (idempotency key included), calls the channel with the
/// step's retries and timeout, and marks the result in the journal. The caller takes a slot of
/// the channel's gate (it decides when a delivery may start) and renders the message (a single
/// runner at send time, a shared fan-out when it journals the delivery); the sender gives the
/// slot back in its two halves: the call slot once the channel has answered (or failed for good),
/// the window slot once the mark, gathered with the fan-out's other marks (`DeliveryMarks`), is
/// committed.
struct DeliverySender: Sendable {
    let engine: Engine
    let step: Step
    let playbook: String
    let incident: String
    /// The step's channels, each looked up once: `engine.channels` is an actor, and a hop per
    /// delivery cost more than the lookup.
    let channels = ResolvedChannels()
    /// Where the deliveries' marks gather into commits.
    let marks: DeliveryMarks

    init(engine: Engine, step: Step, playbook: String, incident: String) {
        self.engine = engine
        self.step = step
        self.playbook = playbook
        self.incident = incident
        self.marks = DeliveryMarks(journal: engine.journal)
    }

    /// The channels a sender has looked up, shared by its delivery tasks.
    final class ResolvedChannels: Sendable {
        private let known = Mutex<[String: any MessageChannel]>([:])

        func channel(_ id: String, from engine: Engine) async throws -> any MessageChannel {
            if let channel = known.withLock({ $0[id] }) { return channel }
            let channel = try await engine.channels.messageChannel(id)
            known.withLock { $0[id] = channel }
            return channel
        }
    }

    /// How a delivery ended, as the journal marked it.
    struct Outcome: Sendable {
        var status: DeliveryStatus
        /// Why it failed (redacted), for a failure.
        var detail: String? = nil
    }

    func send(
        key: String, channel id: String, contact: Contact, address: String, subject: String?, text: String, html: String?, gate: ChannelGate
    ) async -> Outcome {
        let clock = engine.clock
        var attempts = 0
        var outcome: Outcome
        marks.callStarting()
        do {
            let message = OutboundMessage(
                playbook: playbook, incident: incident, step: step.id.value, action: "notify", idempotencyKey: key, contact: contact, address: address,
                subject: subject, text: text, html: html)
            let channel = try await channels.channel(id, from: engine)
            let retrying = Retrying(policy: step.retry, timeout: step.timeout, clock: clock)
            let (_, made) = try await retrying.run { () async throws(ChannelFailure) -> DeliveryReceipt in try await channel.send(message) }
            attempts = made
            outcome = Outcome(status: .sent)
        } catch {
            if let failed = error as? AttemptsFailed { attempts = failed.attempts }
            outcome = Outcome(status: .failed, detail: engine.redactor.redact(Retrying.describe(error)))
        }
        marks.callEnded()
        gate.endCall()
        defer { gate.confirm() }
        do {
            try await marks.mark(DeliveryMark(key: key, status: outcome.status, attempts: attempts, detail: outcome.detail, at: clock.now()))
        } catch where outcome.status == .sent {
            // Sent, but the journal could not say so: counted as failed, with the journal's reason.
            outcome = Outcome(status: .failed, detail: engine.redactor.redact(Retrying.describe(error)))
        } catch {
            // A failure the journal could not record either: it stays a failure, with its own
            // reason (a resume finds it pending and tries it again, with the same key).
        }
        return outcome
    }
}
