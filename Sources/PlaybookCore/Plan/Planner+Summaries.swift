import Foundation

extension Planner {
    /// What a step will touch, in one sentence a person can check before pressing go; its texts
    /// show what is known before the incident (`values`' `vars`, see `StaticPreview`).
    static func summary(of step: Step, in playbook: Playbook, values: MessageValues) -> String {
        func target(_ channel: Located<String>) -> String {
            guard let c = playbook.channel(channel.value) else { return "'\(channel.value)'" }
            switch c.type {
            case .metaAds: return c["ad_account"]?.raw ?? c.id.value
            case .googleAds: return "Google Ads customer \(c["customer_id"]?.raw ?? c.id.value)"
            case .calendar: return "the calendar \(c["path"]?.raw ?? c.id.value)"
            default: return "'\(c.id.value)'"
            }
        }
        func list(_ items: [String]) -> String { items.joined(separator: ", ") }
        func quote(_ text: String) -> String {
            let flat = StaticPreview.render(text, values: values).replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
            return "“" + (flat.count > 70 ? String(flat.prefix(69)) + "…" : flat) + "”"
        }
        switch step.action {
        case .notify(let segment, let via, let content, let mode):
            let how = mode == .first ? "first channel each contact can receive on" : "every channel each contact can receive on"
            let what: String
            switch content {
            case .template(let id): what = "template '\(id.value)'"
            case .inline(let subject, let text): what = quote(subject?.value ?? text?.value ?? "")
            }
            return "notify segment '\(segment.value)' via \(list(via.map(\.value))) (\(how)) with \(what)"
        case .post(let to, let content, let link, let mode):
            var text: String
            switch content {
            case .template(let id): text = "template '\(id.value)'"
            case .inline(_, let body): text = quote(body?.value ?? "")
            }
            if let link { text += " with link \(StaticPreview.render(link.value, values: values))" }
            return "post on \(list(to.map(\.value)))\(mode == .first ? " (the first that succeeds)" : ""): \(text)"
        case .pauseAds(let channel, let campaigns):
            switch campaigns {
            case .all: return "pause all active campaigns of \(target(channel))"
            case .ids(let ids): return "pause campaigns \(list(ids)) of \(target(channel)) (those active)"
            case .nameMatches(let pattern): return "pause active campaigns of \(target(channel)) whose name matches /\(pattern)/"
            }
        case .resumeAds(let channel, let campaigns):
            switch campaigns {
            case nil: return "resume exactly the campaigns this incident paused on \(target(channel))"
            case .all?: return "resume all campaigns of \(target(channel)) that this incident paused"
            case .ids(let ids)?: return "resume campaigns \(list(ids)) of \(target(channel))"
            case .nameMatches(let pattern)?: return "resume campaigns of \(target(channel)) whose name matches /\(pattern)/"
            }
        case .reschedulePosts(let channel, let networks, let window, let shift):
            return "move posts due in the next \(Duration.format(seconds: window)) on \(list(networks.map(\.value))) by \(Duration.format(seconds: shift)) in \(target(channel))"
        case .restorePosts(let channel):
            return "move the posts this incident rescheduled in \(target(channel)) back to their times (those already past to now + 15m)"
        case .webhook(let channel, let url, let method, _):
            if let channel { return "\(method) to webhook channel '\(channel.value)'" }
            return "\(method) \(url?.raw ?? "")"
        case .wait(let seconds):
            return "wait \(Duration.format(seconds: seconds))"
        case .log(let message):
            return "log \(quote(message.value))"
        case .approve(let request):
            var asked: [String] = []
            if !request.to.isEmpty { asked.append("on \(list(request.to.map(\.value)))") }
            if let segment = request.segment { asked.append("of segment '\(segment.value)' via \(list(request.via.map(\.value)))") }
            let text: String
            switch request.content {
            case .template(let id): text = "template '\(id.value)'"
            case .inline(let subject, let body): text = quote(body?.value ?? subject?.value ?? "")
            }
            let otherwise = request.onTimeout == .approve ? "approved" : "denied"
            return "ask for approval \(asked.joined(separator: " and ")) with \(text); undecided after \(Duration.format(seconds: request.timeout)) it is \(otherwise)"
        }
    }

    static func countDeliveries(_ playbook: Playbook, _ plan: inout Plan, base: Facts, opener: ContactsOpener) {
        let notifySteps = playbook.steps + playbook.recovery
        guard notifySteps.contains(where: { $0.action.contactDelivery != nil }) else { return }
        guard let contacts = playbook.audience?.contacts?.value else { return }
        let path = contacts.hasPrefix("/") ? contacts : (playbook.directory as NSString).appendingPathComponent(contacts)
        func markUnknown(_ reason: String) {
            for index in plan.steps.indices where playbook.steps[index].action.contactDelivery != nil { plan.steps[index].countsUnknownReason = reason }
            for index in plan.recovery.indices where playbook.recovery[index].action.contactDelivery != nil { plan.recovery[index].countsUnknownReason = reason }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            markUnknown("contacts file '\(contacts)' not found here; counts unknown")
            return
        }
        var jobs: [DeliveryCounter.Job] = []
        for (index, step) in playbook.steps.enumerated() where step.action.contactDelivery != nil {
            let planned = plan.steps[index]
            jobs.append(.init(step: step, moment: planned.start ?? plan.start, facts: base.at(offset: planned.offset, active: planned.offset == 0 ? true : nil)))
        }
        for (index, step) in playbook.recovery.enumerated() where step.action.contactDelivery != nil {
            let planned = plan.recovery[index]
            jobs.append(.init(step: step, moment: planned.start ?? plan.start.addingTimeInterval(planned.offset), facts: base.at(offset: nil, active: false)))
        }
        switch DeliveryCounter(playbook: playbook, contactsPath: path, opener: opener).count(jobs) {
        case .failure(let error):
            markUnknown(error.description)
        case .success(let outcome):
            plan.audience = AudienceSummary(path: contacts, resolvedPath: playbook.directory == "." ? contacts : path, contacts: outcome.contacts, issues: outcome.issues)
            for index in plan.steps.indices { plan.steps[index].deliveries = outcome.counts[plan.steps[index].id] }
            for index in plan.recovery.indices { plan.recovery[index].deliveries = outcome.counts[plan.recovery[index].id] }
        }
    }
}
