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
/// committed — which is also when the fan-out is told how the delivery ended (`whenDurable`).
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

    /// `whenDurable` hears how each delivery ended once its mark is durable (a sent delivery
    /// whose mark could not be written ended as failed).
    init(engine: Engine, step: Step, playbook: String, incident: String, whenDurable: @escaping DeliveryMarks.Durable = { _, _ in }) {
        self.engine = engine
        self.step = step
        self.playbook = playbook
        self.incident = incident
        let redactor = engine.redactor
        self.marks = DeliveryMarks(journal: engine.journal, redact: { redactor.redact($0) }, whenDurable: whenDurable)
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

    /// Calls the channel for one delivery and hands its mark to `marks`. Returns once the call
    /// has ended and the mark is gathered (or, for the delivery that completes a batch, once the
    /// batch is committed); the outcome reaches the sender's `whenDurable` with the commit.
    func send(
        key: String, channel id: String, contact: Contact, address: String, subject: String?, text: String, html: String?, gate: ChannelGate
    ) async {
        let clock = engine.clock
        var attempts = 0
        var status = DeliveryStatus.sent
        var detail: String?
        marks.callStarting()
        do {
            let message = OutboundMessage(
                playbook: playbook, incident: incident, step: step.id.value, action: "notify", idempotencyKey: key, contact: contact, address: address,
                subject: subject, text: text, html: html)
            let channel = try await channels.channel(id, from: engine)
            let retrying = Retrying(policy: step.retry, timeout: step.timeout, clock: clock)
            let (_, made) = try await retrying.run { () async throws(ChannelFailure) -> DeliveryReceipt in try await channel.send(message) }
            attempts = made
        } catch {
            if let failed = error as? AttemptsFailed { attempts = failed.attempts }
            status = .failed
            detail = engine.redactor.redact(Retrying.describe(error))
        }
        marks.callEnded()
        gate.endCall()
        await marks.mark(DeliveryMark(key: key, status: status, attempts: attempts, detail: detail, at: clock.now()), gate: gate)
    }
}
