import Foundation

/// What `playbook contacts check` tells about a playbook's audience before an outage: how many
/// rows, how many can be reached by email, SMS and Telegram (and why the others cannot, with
/// their lines), and how many each segment holds. It reads the contacts exactly as `run` does
/// (same reader, same mapping of an export, same row checks), streaming, so a million-row export
/// costs no more memory than ten.
public struct ContactsSummary: Sendable {
    /// One way to reach people.
    public struct Reach: Sendable, Equatable {
        public var reachable = 0
        /// Distinct addresses among the reachable (email: compared without case).
        public var distinct = 0
        /// Per reason (docs/contacts.md), how many and the first lines.
        public var obstacles: [String: (count: Int, lines: [Int])] = [:]

        public static func == (a: Reach, b: Reach) -> Bool {
            a.reachable == b.reachable && a.distinct == b.distinct && a.obstacles.mapValues(\.count) == b.obstacles.mapValues(\.count)
        }
    }

    /// The channel kinds summarised: the ones that need an address and consent.
    public static let kinds: [(name: String, type: ChannelType)] = [("email", .smtp), ("sms", .twilio), ("telegram", .telegram)]
    /// How many lines are listed per reason.
    public static let keptLines = 50

    public var file: String
    public var layout: ContactsLayout
    public var rows = 0
    public var reach: [String: Reach] = [:]
    /// Per segment (in the playbook's order): its contacts, and how many of them each kind reaches.
    /// Nil counts when the segment depends on something only known during an incident.
    public var segments: [(id: String, contacts: Int?, reach: [String: Int])] = []
    public var issues = ContactIssues()

    public enum Failure: Error, CustomStringConvertible {
        case noContacts
        case cannotOpen(ContactsFile.OpenError)

        public var description: String {
            switch self {
            case .noContacts: return "the playbook's audience names no contacts file"
            case .cannotOpen(let error): return error.description
            }
        }
    }

    /// Reads the playbook's contacts whole.
    public static func read(_ playbook: Playbook, opener: ContactsOpener) throws(Failure) -> ContactsSummary {
        guard let audience = playbook.audience, let path = PlanArtifact.contactsPath(of: playbook) else { throw .noContacts }
        var reader: any ContactReader
        do {
            reader = try opener.open(path, layout: audience.layout)
        } catch {
            throw .cannotOpen(error)
        }
        defer { reader.close() }
        var summary = ContactsSummary(file: path, layout: audience.layout)
        for kind in kinds { summary.reach[kind.name] = Reach() }
        var seen: [String: Set<String>] = [:]
        let zone = TimeZone(identifier: playbook.timezoneIdentifier) ?? TimeZone(identifier: "UTC")!
        let facts = Facts(
            trigger: [:], triggerID: "", triggerKind: "manual", triggerTypes: [:], incidentID: "", startedAt: Date(), elapsed: 0, now: Date(), active: true,
            timezone: zone, vars: playbook.vars)
        let segments = audience.segments.map { segment in
            (id: segment.id.value, expression: segment.condition.expression,
             contactOnly: segment.condition.expression?.names.allSatisfy { $0.first == "contact" || $0.first == "vars" } ?? false)
        }
        var members = [Int](repeating: 0, count: segments.count)
        var segmentReach = [[String: Int]](repeating: [:], count: segments.count)
        while let contact = reader.next() {
            summary.rows += 1
            var reached: [String: Bool] = [:]
            for kind in kinds {
                if let obstacle = DeliveryRouting.obstacle(for: contact, on: kind.type) {
                    var entry = summary.reach[kind.name]!.obstacles[obstacle.key] ?? (0, [])
                    entry.count += 1
                    if entry.lines.count < keptLines { entry.lines.append(reader.line) }
                    summary.reach[kind.name]!.obstacles[obstacle.key] = entry
                } else {
                    summary.reach[kind.name]!.reachable += 1
                    reached[kind.name] = true
                    let address = DeliveryRouting.address(of: contact, for: kind.type) ?? contact.id
                    seen[kind.name, default: []].insert(address)
                }
            }
            for (index, segment) in segments.enumerated() where segment.contactOnly {
                guard let expression = segment.expression else { continue }
                if Evaluator(resolve: { facts.resolve($0, contact: contact) }).evaluate(expression) == .bool(true) {
                    members[index] += 1
                    for kind in kinds where reached[kind.name] == true { segmentReach[index][kind.name, default: 0] += 1 }
                }
            }
        }
        for kind in kinds { summary.reach[kind.name]!.distinct = seen[kind.name]?.count ?? 0 }
        summary.rows += reader.issues.skippedRows
        summary.issues = reader.issues
        summary.segments = segments.enumerated().map { index, segment in
            (segment.id, segment.contactOnly ? members[index] : nil, segment.contactOnly ? segmentReach[index] : [:])
        }
        return summary
    }
}
