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

        public init(triggerID: String? = nil, start: Date, assignments: [(path: [String], value: Value)] = [], includeContacts: Bool = true, resolvedAt: Date? = nil,
                    contactsOpener: ContactsOpener = .csv) {
            self.contactsOpener = contactsOpener
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
        plan.steps = section(playbook.steps, base: during, plan: plan) { offset in
            if offset == 0 { return (offset, true) }
            guard let resolutionOffset else { return (offset, nil) }
            return (offset, offset < resolutionOffset)
        }
        plan.recovery = section(playbook.recovery, base: base, plan: plan) { offset in
            (resolutionOffset.map { $0 + offset }, false)
        }
        let known = MessageValues(facts: base)
        for index in plan.steps.indices { plan.steps[index].summary = summary(of: playbook.steps[index], in: playbook, values: known) }
        for index in plan.recovery.indices { plan.recovery[index].summary = summary(of: playbook.recovery[index], in: playbook, values: known) }
        if request.includeContacts { countDeliveries(playbook, &plan, base: base, opener: request.contactsOpener) }
        return plan
    }

    /// Plans one section; `moment` maps a step's offset in the section to its offset from the
    /// incident's start (nil when unknown) and whether the incident is still active then.
    private static func section(_ steps: [Step], base: Facts, plan: Plan, moment: (Double) -> (Double?, Bool?)) -> [PlannedStep] {
        let offsets = Timeline.offsets(of: steps)
        return steps.map { step in
            let offset = offsets[step.id.value] ?? 0
            let (fromStart, active) = moment(offset)
            var planned = PlannedStep(
                id: step.id.value, action: step.action.name, offset: offset, start: fromStart.map { plan.start.addingTimeInterval($0) },
                duration: step.action.duration, willRun: plan.playbookWillRun, reason: plan.playbookReason,
                channels: step.action.channels.map(\.value), summary: "", after: step.after.map(\.value),
                isConditional: step.condition != nil, deliveries: nil, countsUnknownReason: nil
            )
            if active == false, !step.isRecovery, plan.playbookWillRun != false {
                // Due after the incident resolves: the engine skips it, whatever its `if`.
                planned.willRun = false
                planned.reason = "the incident has resolved by then"
            } else if plan.playbookWillRun != false, let condition = step.condition?.expression {
                let facts = base.at(offset: fromStart, active: active)
                let (result, reason) = Evaluator(resolve: { facts.resolve($0) }).condition(condition)
                switch (plan.playbookWillRun, result) {
                case (_, false?): planned.willRun = false; planned.reason = "its 'if' is false: \(step.condition!.text)"
                case (true?, true?): planned.willRun = true; planned.reason = nil
                case (true?, nil): planned.willRun = nil; planned.reason = reason
                default: planned.willRun = nil; planned.reason = plan.playbookReason ?? reason
                }
            }
            return planned
        }
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
