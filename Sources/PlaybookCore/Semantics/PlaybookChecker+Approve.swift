/// The checks of an `approve` step: the request reaches people on channels fit for each way of
/// asking, and its text may carry the approval's link.
extension PlaybookChecker {
    func checkApproval(_ request: ApprovalRequest, _ step: Step, contactColumns: Set<String>?) {
        let what = describe(step)
        checkApprovalChannels(request.to, role: "post", key: "to", what)
        checkApprovalChannels(request.via, role: "notify", key: "via", what)
        checkDuplicateReferences(request.to + request.via, what)
        checkPostTargets(request.to, what)
        if let segment = request.segment { checkSegmentReference(segment, what) }
        // Posted on `to` channels, the text has no contact; sent only to contacts, it may name one.
        let posted = request.to.compactMap { playbook.channel($0.value) }
        let namesContact = texts(of: request.content).contains { Self.namesContact($0.value) }
        if namesContact, !request.to.isEmpty {
            sink.error(
                "the request of \(what) names 'contact', but it is also posted on \(request.to.map { "'\($0.value)'" }.joined(separator: ", ")), where there is no contact; drop the contact fields, or ask only the segment (without 'to')",
                at: contentLocation(request.content))
        }
        checkContent(
            request.content, what, contact: request.to.isEmpty || namesContact, contactColumns: contactColumns, postChannels: posted, approval: true)
        if !texts(of: request.content).isEmpty, !texts(of: request.content).contains(where: { Self.namesApproval($0.value, field: "url") }) {
            sink.warning(
                "the request of \(what) has no {{ approval.url }}: the people it reaches get no link to decide with (only 'playbook approve' or the console can)",
                at: contentLocation(request.content))
        }
    }

    /// `to` channels must be able to post, `via` channels to notify a contact.
    private func checkApprovalChannels(_ references: [Located<String>], role: String, key: String, _ what: String) {
        for reference in references {
            guard let channel = playbook.channel(reference.value) else {
                if playbook.unreadable.contains(.channel, reference.value) { continue }
                let ids = playbook.channels.map(\.id.value)
                sink.error(
                    "\(what) uses unknown channel '\(reference.value)'\(Suggestion.hint(for: reference.value, in: ids))\(ids.isEmpty ? "; define it under 'channels'" : "")",
                    at: reference.location)
                continue
            }
            guard !channel.type.actions.contains(role) else { continue }
            let fitting = ChannelType.allCases.filter { $0.actions.contains(role) }.map(\.rawValue)
            let types = fitting.dropLast().joined(separator: ", ") + " or " + fitting.last!
            let elsewhere =
                role == "post"
                ? (channel.type.actions.contains("notify") ? "; to ask contacts on it, use 'segment' and 'via'" : "")
                : (channel.type.actions.contains("post") ? "; to post the request on it, put it in 'to'" : "")
            let ability = role == "post" ? "a channel that can post" : "a channel that can reach a contact"
            sink.error(
                "\(what): '\(key)' of 'approve' needs \(ability) (\(types)); channel '\(channel.id.value)' is of type \(channel.type.rawValue)\(elsewhere)",
                at: reference.location)
        }
    }

    /// The texts of a request as written (a template's parts, or the inline text).
    private func texts(of content: MessageContent) -> [Located<String>] {
        switch content {
        case .inline(let subject, let text): return [subject, text].compactMap { $0 }
        case .template(let id):
            guard let template = playbook.template(id.value) else { return [] }
            return [template.subject, template.text, template.html].compactMap { $0 }
                + template.locales.flatMap { [$0.variant.subject, $0.variant.text, $0.variant.html].compactMap { $0 } }
        }
    }

    private func contentLocation(_ content: MessageContent) -> SourceLocation {
        switch content {
        case .template(let id): return id.location
        case .inline(let subject, let text): return (text ?? subject)?.location ?? SourceLocation(file: playbook.file, line: 1, column: 1)
        }
    }

    /// Whether a template reads `contact.*`.
    static func namesContact(_ text: String) -> Bool {
        text.containsBytes("contact") && TemplateChecker.tags(in: text).contains { $0.name == "contact" || $0.name.hasPrefix("contact.") }
    }

    /// Whether a template reads `approval.*` (or `approval.FIELD` when given).
    static func namesApproval(_ text: String, field: String? = nil) -> Bool {
        guard text.containsBytes("approval") else { return false }
        return TemplateChecker.tags(in: text).contains { tag in
            guard !tag.closesSection else { return false }
            if let field { return tag.name == "approval.\(field)" }
            return tag.name == "approval" || tag.name.hasPrefix("approval.")
        }
    }
}
