import Foundation

/// The output formats of `playbook plan`.
public enum PlanFormat: String, Sendable, CaseIterable {
    case text, json, markdown, html
}

extension Plan {
    public func rendered(_ format: PlanFormat) -> String {
        switch format {
        case .json: return json.serialized(pretty: true) + "\n"
        case .text: return PlanTextRenderer(plan: self).render()
        case .markdown: return PlanMarkdownRenderer(plan: self).render()
        case .html: return PlanHTMLRenderer(plan: self).render()
        }
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `17:39` in the playbook's timezone.
    func clock(_ date: Date, withDay: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = withDay ? "EEE yyyy-MM-dd HH:mm" : "HH:mm"
        return formatter.string(from: date)
    }

    public static func offsetText(_ seconds: Double) -> String { "+" + Duration.format(seconds: seconds) }

    static func willRunText(_ value: Bool?) -> String {
        switch value {
        case true?: return "will run"
        case false?: return "skipped"
        case nil: return "depends"
        }
    }

    /// "awaits approval" for a step that waits on a person's decision, else as `willRunText(_:)`.
    public static func willRunText(_ step: PlannedStep) -> String {
        step.willRun == nil && step.awaitsApproval != nil ? "awaits approval" : willRunText(step.willRun)
    }

    /// The JSON of the command line (README.md), with extra fields after the contract's.
    public var json: JSONValue {
        func step(_ s: PlannedStep) -> JSONValue {
            var members: [(String, JSONValue)] = [("id", .string(s.id)), ("action", .string(s.action)), ("offset_s", .number(s.offset))]
            if let start = s.start { members.append(("start", .string(Plan.iso(start)))) }
            members.append(("will_run", s.willRun.map(JSONValue.bool) ?? .null))
            if !s.channels.isEmpty { members.append(("channels", .array(s.channels.map(JSONValue.string)))) }
            if let d = s.deliveries {
                members.append(("deliveries", .number(Double(d.total))))
                members.append(("deferred", .number(Double(d.deferred))))
            }
            if let reason = s.reason { members.append(("reason", .string(reason))) }
            members.append(("summary", .string(s.summary)))
            if s.duration > 0 { members.append(("duration_s", .number(s.duration))) }
            if !s.after.isEmpty { members.append(("after", .array(s.after.map(JSONValue.string)))) }
            members.append(("conditional", .bool(s.isConditional)))
            if let id = s.awaitsApproval { members.append(("awaits_approval", .string(id))) }
            if let approval = s.approval {
                var fields: [(String, JSONValue)] = [("timeout_s", .number(approval.timeout)), ("on_timeout", .string(approval.onTimeout.rawValue))]
                if let start = s.start { fields.append(("expires", .string(Plan.iso(start.addingTimeInterval(approval.timeout))))) }
                if let decision = approval.decision { fields.append(("decision", .string(decision.rawValue))) }
                members.append(("approval", .object(fields)))
            }
            if let d = s.deliveries {
                members.append(("deliveries_by_channel", .object(d.byChannel.keys.sorted().map { ($0, .number(Double(d.byChannel[$0]!))) })))
                if d.deferred > 0 {
                    members.append(("deferred_by_channel", .object(d.deferredByChannel.keys.sorted().map { ($0, .number(Double(d.deferredByChannel[$0]!))) })))
                    members.append(("deferred_until", .object([
                        ("earliest", .string(Plan.iso(d.earliestDeferredUntil!))), ("latest", .string(Plan.iso(d.latestDeferredUntil!))),
                    ])))
                }
                members.append(("unreachable", .number(Double(d.unreachable))))
                members.append(("duplicates_skipped", .number(Double(d.duplicates))))
                members.append(("not_reachable_by_channel", .object(d.obstaclesByChannel.keys.sorted().map { channel -> (String, JSONValue) in
                    let reasons = d.obstaclesByChannel[channel]!
                    let byReason: [(String, JSONValue)] = DeliveryRouting.Obstacle.allCases.compactMap { o in reasons[o].map { (o.key, JSONValue.number(Double($0))) } }
                    return (channel, JSONValue.object(byReason))
                })))
            }
            if let why = s.countsUnknownReason { members.append(("deliveries_unknown", .string(why))) }
            return .object(members)
        }
        var members: [(String, JSONValue)] = [
            ("playbook", .string(playbook)), ("trigger", .string(trigger)), ("start", .string(Plan.iso(start))),
            ("steps", .array(steps.map(step))), ("recovery", .array(recovery.map(step))),
            ("file", .string(file)), ("trigger_kind", .string(triggerKind)), ("timezone", .string(timezone)),
            ("will_run", playbookWillRun.map(JSONValue.bool) ?? .null),
        ]
        if let resolvedAt { members.append(("resolves", .string(Plan.iso(resolvedAt)))) }
        if let audience {
            members.append(("audience", .object([
                ("contacts_file", .string(audience.path)), ("contacts", .number(Double(audience.contacts))), ("skipped_rows", .number(Double(audience.skippedRows))),
                ("issues", .object(ContactIssue.Kind.allCases.compactMap { kind in audience.issues.counts[kind].map { (kind.rawValue, JSONValue.number(Double($0))) } })),
            ])))
        }
        members.append(("unpreviewable", .array(unpreviewable.map { .object([("id", .string($0.id)), ("reason", .string($0.reason))]) })))
        members.append(("notes", .array(notes.map(JSONValue.string))))
        if let digests {
            var d: [(String, JSONValue)] = [("playbook", .string(digests.playbook)), ("facts", .string(digests.facts))]
            if let contacts = digests.contacts { d.append(("contacts", .string(contacts))) }
            members.append(("digests", .object(d)))
        }
        return .object(members)
    }
}

extension DeliveryCounts {
    /// "412 deliveries (newsletter 300, sms 112); 37 deferred by quiet hours until 08:00–09:00 local".
    public func describe(in plan: Plan) -> String {
        var text = "\(total) deliver\(total == 1 ? "y" : "ies")"
        if byChannel.count > 0 {
            text += " (" + byChannel.keys.sorted().map { "\($0) \(byChannel[$0]!)" }.joined(separator: ", ") + ")"
        }
        if deferred > 0, let earliest = earliestDeferredUntil, let latest = latestDeferredUntil {
            let span = earliest == latest ? Plan.iso(earliest) : "\(Plan.iso(earliest)) – \(Plan.iso(latest))"
            text += "; \(deferred) deferred by quiet hours until the end of the window in each contact's timezone (\(span))"
        }
        if unreachable > 0 { text += "; \(unreachable) in the segment reachable on none of its channels" }
        if duplicates > 0 { text += "; \(duplicates) duplicate address\(duplicates == 1 ? "" : "es") skipped" }
        for channel in obstaclesByChannel.keys.sorted() {
            let reasons = obstaclesByChannel[channel]!
            let total = reasons.values.reduce(0, +)
            let detail = DeliveryRouting.Obstacle.allCases.compactMap { o in reasons[o].map { o.counted($0) } }.joined(separator: ", ")
            text += "; \(channel) cannot reach \(total) of the segment (\(detail))"
        }
        return text
    }
}
