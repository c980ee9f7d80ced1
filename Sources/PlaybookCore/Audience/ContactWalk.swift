import Foundation

/// The walk over the contacts of a step that reaches them (`notify`, or an `approve` request to a
/// segment): whether each contact is in the step's segment,
/// the deliveries routing gives it (consent, `mode`, quiet hours; see `DeliveryRouting`), and
/// which of them repeat an address already served on that channel in the step.
///
/// The planner counts what the walk yields, and the executor's fan-outs (one runner, or several
/// sharing a PostgreSQL journal) send it: there is one walk, so a plan's counts are what a run
/// sends. Feed it the contacts in file order, each once.
public struct ContactWalk: Sendable {
    /// What the walk made of one contact.
    public enum Visit: Sendable, Equatable {
        /// Not in the step's segment: nothing for it.
        case notMember
        /// In the segment, but no channel of `via` can reach it (no address, or no consent).
        case unreachable
        /// In the segment, with its deliveries in `deliveries` (duplicates among them).
        case routed
    }

    /// One delivery to the contact just visited.
    public struct Delivery: Sendable {
        public var route: DeliveryRouting.Route
        /// The address was already served on this channel in this step: nothing is sent (the
        /// planner counts it as a duplicate).
        public var isDuplicate: Bool
    }

    /// The step's id.
    public let step: String
    /// The segment's id.
    public let segment: String
    public let routing: DeliveryRouting
    /// The moment the step starts, for quiet hours.
    public let moment: Date
    /// Whether the segment reads only `contact.*` and `vars.*`: then it is the same for every
    /// step of the segment, and the planner evaluates it once per contact.
    public let readsOnlyContact: Bool
    private let condition: Expression
    private let facts: Facts
    /// The deliveries of the last contact visited; the buffer is reused from one contact to the
    /// next, so a walk allocates no array per contact.
    public private(set) var deliveries: [Delivery] = []
    /// How the walk remembers the addresses it served.
    public enum Memory: Sendable {
        /// The addresses themselves: a run, which must never take one address for another.
        case addresses
        /// Their 64-bit hashes: a plan, which only counts. Half the memory per address, and the
        /// addresses need not stay alive; two addresses of a step on a channel would have to
        /// collide (about 1 in 10^10 at a million contacts) to miscount one duplicate.
        case hashes
    }

    /// Per position in `via`, the addresses served so far (`Memory.addresses`)…
    private var served: [Set<String>]
    /// …or their hashes (`Memory.hashes`).
    private var servedHashes: [Set<Int>]
    private let memory: Memory
    private var quietHours = DeliveryRouting.QuietHoursCache()

    /// The walk of `step` at `moment` with `facts`; nil when the step reaches no contacts
    /// (`Action.contactDelivery`) or its segment has no condition. Quiet hours hold a `notify`
    /// step's deliveries, never an approval request's.
    public init?(step: Step, in playbook: Playbook, facts: Facts, at moment: Date, remembering memory: Memory = .addresses) {
        guard let (segmentID, via, mode, heldByQuietHours) = step.action.contactDelivery,
            let segment = playbook.audience?.segment(segmentID.value), let condition = segment.condition.expression
        else { return nil }
        let channels = via.compactMap { ref in playbook.channel(ref.value).map { (id: $0.id.value, type: $0.type) } }
        self.step = step.id.value
        self.segment = segmentID.value
        self.routing = DeliveryRouting(
            via: channels, mode: mode, quietHours: heldByQuietHours ? playbook.settings.quietHours?.value : nil, defaultTimezone: Self.zone(of: playbook))
        self.moment = moment
        self.readsOnlyContact = condition.names.allSatisfy { $0.first == "contact" || $0.first == "vars" }
        self.condition = condition
        self.facts = facts
        self.memory = memory
        self.served = Array(repeating: [], count: memory == .addresses ? channels.count : 0)
        self.servedHashes = Array(repeating: [], count: memory == .hashes ? channels.count : 0)
    }

    /// The playbook's timezone, for contacts without their own.
    public static func zone(of playbook: Playbook) -> TimeZone {
        TimeZone(identifier: playbook.timezoneIdentifier) ?? TimeZone(identifier: "UTC")!
    }

    /// Whether `contact` is in the step's segment.
    public func isMember(_ contact: Contact) -> Bool {
        let facts = self.facts
        return Evaluator { path in facts.resolve(path, contact: contact) }.evaluate(condition) == .bool(true)
    }

    /// Visits the next contact: decides membership (or takes `isMember` when the caller already
    /// knows it), routes it, and leaves its deliveries in `deliveries`.
    public mutating func visit(_ contact: Contact, isMember known: Bool? = nil) -> Visit {
        var found = deliveries
        deliveries = []
        found.removeAll(keepingCapacity: true)
        defer { deliveries = found }
        guard known ?? isMember(contact) else { return .notMember }
        routing.forEachRoute(for: contact, at: moment, cache: &quietHours) { route in
            found.append(Delivery(route: route, isDuplicate: false))
        }
        if found.isEmpty { return .unreachable }
        for index in found.indices {
            let route = found[index].route
            switch memory {
            case .addresses: found[index].isDuplicate = !served[route.index].insert(route.address).inserted
            case .hashes: found[index].isDuplicate = !servedHashes[route.index].insert(route.address.hashValue).inserted
            }
        }
        return .routed
    }

    /// The key of a delivery of this step: its journal key and the idempotency key channels
    /// send. Kept byte for byte from version to version: a resumed run finds what an
    /// interrupted one journaled under it, and does not send it again.
    public func key(of delivery: Delivery, to contact: Contact, incident: String) -> String {
        Self.deliveryKey(incident: incident, step: step, contact: contact.id, channel: delivery.route.channel)
    }

    /// `incident/step/contact/channel`.
    public static func deliveryKey(incident: String, step: String, contact: String, channel: String) -> String {
        "\(incident)/\(step)/\(contact)/\(channel)"
    }
}
