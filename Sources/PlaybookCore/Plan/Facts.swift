import Foundation

/// What is known about an incident when a condition is evaluated: the trigger's facts, the
/// incident, the clock (in the playbook's timezone), vars and step outcomes. Whatever is not known
/// evaluates to `.unknown` with the reason, so plans can say "depends on …".
public struct Facts: Sendable {
    /// `trigger.*` values supplied (`--set`, a scenario's `set`, or the real trigger).
    public var trigger: [String: Value]
    public var triggerID: String
    public var triggerKind: String
    /// Every `trigger.*` name of the playbook with its type (for empty values).
    public var triggerTypes: [String: ValueType]
    public var incidentID: String
    public var startedAt: Date
    /// Offset of the moment being evaluated from the incident's start, in seconds; nil when
    /// unknown (recovery before the incident has resolved).
    public var elapsed: Double?
    /// The moment being evaluated; nil when unknown.
    public var now: Date?
    /// Whether the incident is still active at `now`; nil when only the run can tell.
    public var active: Bool?
    public var timezone: TimeZone
    public var vars: JSONValue
    /// Outcomes of steps (`steps.ID.status`: `'pending'` until a step has ended); a step missing
    /// here is unknown (the plan cannot tell how it ends).
    public var stepStatuses: [String: String]
    /// `approval.url` and `approval.expires_at`, for the request of an `approve` step only.
    public var approval: (url: String, expiresAt: Date)?

    public init(trigger: [String: Value], triggerID: String, triggerKind: String, triggerTypes: [String: ValueType], incidentID: String,
                startedAt: Date, elapsed: Double?, now: Date?, active: Bool?, timezone: TimeZone, vars: JSONValue, stepStatuses: [String: String] = [:]) {
        self.trigger = trigger
        self.triggerID = triggerID
        self.triggerKind = triggerKind
        self.triggerTypes = triggerTypes
        self.incidentID = incidentID
        self.startedAt = startedAt
        self.elapsed = elapsed
        self.now = now
        self.active = active
        self.timezone = timezone
        self.vars = vars
        self.stepStatuses = stepStatuses
    }

    /// The incident id: the playbook and its start to the second (`meta-outage-20211004T153900Z`),
    /// readable in `status` and in idempotency keys. `ordinal` tells apart incidents of the playbook
    /// opened within the same second (a run, `recover`, a run again): the second is `…Z-2`, the
    /// third `…Z-3`. The engine takes the first that its journal does not hold.
    public static func incidentID(playbook: String, start: Date, ordinal: Int = 1) -> String {
        let id = "\(playbook)-\(Self.compactTimestamp(start))"
        return ordinal > 1 ? "\(id)-\(ordinal)" : id
    }

    static func compactTimestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// The same facts at another moment of the incident (offset from its start), or at an unknown one.
    public func at(offset: Double?, active: Bool?) -> Facts {
        var copy = self
        copy.elapsed = offset
        copy.now = offset.map { startedAt.addingTimeInterval($0) }
        copy.active = active
        return copy
    }

    public func resolve(_ path: [String], contact: Contact? = nil) -> Value {
        guard let root = path.first else { return .unknown(reason: "empty name") }
        // Segments ask for `contact.*` once per contact: answered before the other roots.
        if root == "contact" {
            guard let contact else { return .unknown(reason: "no contact here") }
            return contact.value(of: path.dropFirst())
        }
        switch root {
        case "trigger": return triggerValue(Array(path.dropFirst()))
        case "incident":
            switch path.dropFirst().first {
            case "id": return .text(incidentID)
            case "started_at": return .text(ISO8601DateFormatter().string(from: startedAt))
            case "elapsed": return elapsed.map(Value.duration) ?? .unknown(reason: "depends on when the incident resolves")
            case "active":
                return active.map(Value.bool) ?? .unknown(reason: "whether the incident is still active at +\(Duration.format(seconds: elapsed ?? 0)) is known only at run time")
            default: return .unknown(reason: "unknown incident fact")
            }
        case "now":
            guard let now else { return .unknown(reason: "depends on when the incident resolves") }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timezone
            let parts = calendar.dateComponents([.hour, .minute, .weekday, .year, .month, .day], from: now)
            switch path.dropFirst().first {
            case "hour": return .number(Double(parts.hour ?? 0))
            case "minute": return .number(Double(parts.minute ?? 0))
            case "weekday": return .text(["sun", "mon", "tue", "wed", "thu", "fri", "sat"][((parts.weekday ?? 1) - 1) % 7])
            case "date": return .text(String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0))
            default: return .unknown(reason: "unknown clock fact")
            }
        case "vars":
            var node = vars
            for name in path.dropFirst() {
                guard case .object(let members) = node, let next = members.first(where: { $0.0 == name })?.1 else { return .text("") }
                node = next
            }
            return Value(node)
        case "steps":
            let id = path.count > 1 ? path[1] : ""
            if let status = stepStatuses[id] { return .text(status) }
            return .unknown(reason: "depends on the outcome of step '\(id)', known only at run time")
        case "contact":
            guard let contact else { return .unknown(reason: "no contact here") }
            return contact.value(of: path.dropFirst())
        default:
            return .unknown(reason: "unknown name \(path.joined(separator: "."))")
        }
    }

    private func triggerValue(_ rest: [String]) -> Value {
        guard let name = rest.first else { return .unknown(reason: "trigger") }
        switch name {
        case "id": return .text(triggerID)
        case "kind": return .text(triggerKind)
        default: break
        }
        if var value = trigger[name] {
            for key in rest.dropFirst() {
                guard case .object(let members) = value, let next = members[key] else { return .text("") }
                value = next
            }
            return value
        }
        if name == "platform_names", case .list(let platforms)? = trigger["platforms"] {
            return .text(PlatformCatalog.names(platforms.map(\.displayText)))
        }
        let exposed = NameScope.triggerFields(of: triggerKind)
        if exposed[name] != nil {
            let hint = name == "platform_names" ? "trigger.platforms" : "trigger.\(name)"
            return .unknown(reason: "depends on trigger.\(name), known when the trigger fires ('playbook run' probes the trigger for it; here, supply it with --set \(hint)=…)")
        }
        return (triggerTypes[name] ?? .text).emptyValue
    }
}
