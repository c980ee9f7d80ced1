import Foundation

/// Builds the dry-run timeline of a valid playbook: offsets by the steps' arithmetic, `will_run` from
/// the conditions and the facts at hand, what each step touches, and (with readable contacts)
/// how many deliveries each `notify` makes.
public enum Planner {
    public struct Request: Sendable {
        public var triggerID: String?
        public var start: Date
        /// `--set` facts.
        public var assignments: [(path: [String], value: Value)]
        /// Count deliveries from the contacts file when it is readable.
        public var includeContacts: Bool
        /// When the incident resolves, if known (scenario tests).
        public var resolvedAt: Date?
        /// How contacts are read (CSV here; the CLI adds SQLite).
        public var contactsOpener: ContactsOpener
        /// Decisions of approve steps, by step id (scenario files); an approval not here is
        /// undecided, and it and the steps it gates are `will_run: null`.
        public var approvals: [String: ApprovalDecision]

        public init(triggerID: String? = nil, start: Date, assignments: [(path: [String], value: Value)] = [], includeContacts: Bool = true, resolvedAt: Date? = nil,
                    contactsOpener: ContactsOpener = .csv, approvals: [String: ApprovalDecision] = [:]) {
            self.contactsOpener = contactsOpener
            self.approvals = approvals
            self.triggerID = triggerID
            self.start = start
            self.assignments = assignments
            self.includeContacts = includeContacts
            self.resolvedAt = resolvedAt
        }
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// The scope of names for `--set`, for a playbook.
    public static func scope(of playbook: Playbook) -> NameScope {
        let fields = playbook.triggers.reduce(into: [String: ValueType]()) { $0.merge(NameScope.triggerFields(of: $1.kindName)) { a, _ in a } }
        return NameScope(triggerFields: fields, stepIDs: Set((playbook.steps + playbook.recovery).map(\.id.value)), vars: playbook.vars, allowsContact: false)
    }

    /// Picks the trigger: the one named, the only one, or the first (with a note).
    public static func chooseTrigger(_ playbook: Playbook, _ id: String?) throws(Problem) -> (Trigger, String?) {
        if let id {
            guard let trigger = playbook.trigger(id) else {
                let ids = playbook.triggers.map(\.id.value)
                throw Problem(description: "unknown trigger '\(id)'\(Suggestion.hint(for: id, in: ids)); this playbook's triggers are \(ids.joined(separator: ", "))")
            }
            return (trigger, nil)
        }
        guard let first = playbook.triggers.first else { throw Problem(description: "the playbook has no trigger") }
        if playbook.triggers.count > 1 {
            return (first, "the playbook has \(playbook.triggers.count) triggers; planned for the first, '\(first.id.value)' (choose another with --trigger)")
        }
        return (first, nil)
    }

    public static func plan(_ playbook: Playbook, _ request: Request) throws(Problem) -> Plan {
        let (trigger, note) = try chooseTrigger(playbook, request.triggerID)
        let zone = TimeZone(identifier: playbook.timezoneIdentifier) ?? TimeZone(identifier: "UTC")!
        var vars = playbook.vars
        var triggerFacts: [String: Value] = [:]
        for (path, value) in request.assignments {
            if path.first == "trigger", path.count >= 2 { triggerFacts[path[1]] = value }
            if path.first == "vars" { vars = vars.setting(Array(path.dropFirst()), to: value.json) }
        }
        let base = Facts(
            trigger: triggerFacts, triggerID: trigger.id.value, triggerKind: trigger.kindName, triggerTypes: scope(of: playbook).triggerFields,
            incidentID: Facts.incidentID(playbook: playbook.name.value, start: request.start), startedAt: request.start,
            elapsed: 0, now: request.start, active: true, timezone: zone, vars: vars
        )
        var plan = Plan(
            playbook: playbook.name.value, file: playbook.file, trigger: trigger.id.value, triggerKind: trigger.kindName, start: request.start,
            timezone: playbook.timezoneIdentifier, resolvedAt: request.resolvedAt, playbookWillRun: true, playbookReason: nil,
            steps: [], recovery: [], notes: note.map { [$0] } ?? [], audience: nil, digests: nil
        )
        if let condition = playbook.condition?.expression {
            let (result, reason) = Evaluator(resolve: { base.resolve($0) }).condition(condition)
            plan.playbookWillRun = result
            plan.playbookReason = result == false ? "the playbook's 'if' is false: \(playbook.condition!.text)" : reason
        }

        let resolutionOffset = request.resolvedAt.map { $0.timeIntervalSince(request.start) }
        // How another step ends is known only at run time, except that recovery has not started
        // while the incident's own steps start: for them every recovery step is still pending.
        var during = base
        for step in playbook.recovery { during.stepStatuses[step.id.value] = "pending" }
        plan.steps = SectionPlanner.plan(playbook.steps, base: during, plan: plan, approvals: request.approvals) { offset in
            if offset == 0 { return (offset, true) }
            guard let resolutionOffset else { return (offset, nil) }
            return (offset, offset < resolutionOffset)
        }
        plan.recovery = SectionPlanner.plan(playbook.recovery, base: base, plan: plan, approvals: request.approvals) { offset in
            (resolutionOffset.map { $0 + offset }, false)
        }
        let known = MessageValues(facts: base)
        for index in plan.steps.indices { plan.steps[index].summary = summary(of: playbook.steps[index], in: playbook, values: known) }
        for index in plan.recovery.indices { plan.recovery[index].summary = summary(of: playbook.recovery[index], in: playbook, values: known) }
        if request.includeContacts { countDeliveries(playbook, &plan, base: base, opener: request.contactsOpener) }
        return plan
    }
}

extension JSONValue {
    /// A copy with the value at `path` replaced (objects created as needed).
    public func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var members: [(String, JSONValue)] = []
        if case .object(let existing) = self { members = existing }
        if let index = members.firstIndex(where: { $0.0 == key }) {
            members[index].1 = members[index].1.setting(Array(path.dropFirst()), to: value)
        } else {
            members.append((key, JSONValue.object([]).setting(Array(path.dropFirst()), to: value)))
        }
        return .object(members)
    }
}

extension Value {
    /// The value as JSON (for vars overrides and plan output).
    public var json: JSONValue {
        switch self {
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(n)
        case .text(let t): return .string(t)
        case .duration, .percentage: return .string(displayText)
        case .list(let items): return .array(items.map(\.json))
        case .object(let members): return .object(members.keys.sorted().map { ($0, members[$0]!.json) })
        case .unknown: return .null
        }
    }
}
