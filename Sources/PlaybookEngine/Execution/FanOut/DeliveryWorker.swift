import Foundation
import PlaybookCore

/// One of the tasks that send a channel's deliveries in a single runner's fan-out: takes them
/// from the channel's queue (`DeliveryQueue`) until it is closed, each once the channel's gate
/// admits it. A channel gets as many workers as its `concurrency`: its gate, not the number of
/// workers, still decides what is in flight (it is shared with other steps and actions).
struct DeliveryWorker: Sendable {
    typealias Delivery = SingleRunnerFanOut.PendingDelivery

    let engine: Engine
    let sender: DeliverySender
    let renderer: MessageRenderer
    let values: MessageValues
    let gate: ChannelGate
    /// Set when quiet hours are decided again once the gate admits a delivery: a rate-limited
    /// fan-out that started before a contact's window can reach it, and then the delivery waits
    /// for the window's end.
    let quietHours: QuietHoursCheck?

    /// Quiet hours as a delivery's contact sees them.
    struct QuietHoursCheck: Sendable {
        let window: TimeWindow
        let defaultZone: TimeZone

        /// When quiet hours hold `delivery` back at `now` (in the contact's timezone), the moment they end.
        func end(of delivery: Delivery, at now: Date) -> Date? {
            guard DeliveryRouting.respectsQuietHours(delivery.type) else { return nil }
            let contactZone = delivery.contact.timezone.isEmpty ? defaultZone : (TimeZone(identifier: delivery.contact.timezone) ?? defaultZone)
            return DeliveryRouting.endOfQuietHours(window, at: now, in: contactZone)
        }
    }

    /// Sends until the queue is closed and empty; returns the deliveries quiet hours moved to
    /// later. After a stop, what is still queued is taken but not sent: it stays journaled as
    /// pending, for a resume. A failure abandons the queue (so the reader does not wait for
    /// workers that are gone) and ends the fan-out.
    func run(_ queue: DeliveryQueue<Delivery>) async throws -> [Delivery] {
        var deferred: [Delivery] = []
        do {
            while let delivery = await queue.take() {
                if engine.stop.isRequested { continue }
                try await gate.acquire()
                if let quietHours, let later = quietHours.end(of: delivery, at: engine.clock.now()) {
                    gate.release()
                    try await engine.journal.markDelivery(delivery.key, .deferred, at: engine.clock.now())
                    var moved = delivery
                    moved.deferredUntil = later
                    deferred.append(moved)
                    continue
                }
                let message = renderer.render(contact: delivery.contact, values: values, locale: delivery.contact.locale)
                await sender.send(
                    key: delivery.key, channel: delivery.channel, contact: delivery.contact, address: delivery.address, subject: message.subject,
                    text: message.text, html: message.html, gate: gate)
            }
        } catch {
            queue.abandon()
            throw error
        }
        return deferred
    }
}
