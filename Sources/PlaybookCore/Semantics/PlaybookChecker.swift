import Foundation

/// The semantic checks of a loaded playbook: references, channel/action fit, cycles, expressions,
/// templates, text lengths, timezones and data files. Structure was checked while reading.
struct PlaybookChecker {
    let playbook: Playbook
    let sink: DiagnosticSink
    let options: CheckOptions
    /// The `trigger.*` facts the playbook's triggers expose: every scope needs them, so computed once.
    let triggerFields: [String: ValueType]

    init(playbook: Playbook, sink: DiagnosticSink, options: CheckOptions) {
        self.playbook = playbook
        self.sink = sink
        self.options = options
        let kinds = playbook.triggers.map(\.kindName) + playbook.unreadable.triggerKinds.sorted()
        triggerFields = kinds.reduce(into: ["id": .text, "kind": .text]) { fields, kind in
            fields.merge(NameScope.triggerFields(of: kind)) { a, _ in a }
        }
    }

    func run() {
        checkTimezone()
        checkDuplicates()
        checkTriggers()
        let contactColumns = checkDataFiles()
        checkSegments(contactColumns: contactColumns)
        checkTemplates(contactColumns: contactColumns)
        checkCondition(playbook.condition, scope: scope(steps: nil), "the playbook's 'if'")
        let stepIDs = Set((playbook.steps + playbook.recovery).map(\.id.value) + playbook.unreadable.ids(of: .step))
        for step in playbook.steps + playbook.recovery {
            checkStep(step, contactColumns: contactColumns)
            checkCondition(step.condition, scope: scope(steps: stepIDs), "the 'if' of \(describe(step))")
        }
        checkAfter(playbook.steps, section: "steps")
        checkAfter(playbook.recovery, section: "recovery")
        if options.checkEnvironment { checkEnvironment() }
    }

    func describe(_ step: Step) -> String { "\(step.isRecovery ? "recovery step" : "step") '\(step.id.value)'" }

    // MARK: - Scope

    func scope(steps: Set<String>?, contact: Bool = false, contactFields: Set<String>? = nil) -> NameScope {
        NameScope(triggerFields: triggerFields, stepIDs: steps, vars: playbook.vars, allowsContact: contact, contactFields: contactFields)
    }

    func checkCondition(_ condition: Condition?, scope: NameScope, _ what: String) {
        guard let condition, let expression = condition.expression else { return }
        do {
            try TypeChecker(scope: scope).checkCondition(expression)
        } catch {
            sink.error("in \(what): \(error.message)", at: condition.location(ofOffset: error.offset))
        }
    }

    // MARK: - Ids

    private func checkDuplicates() {
        func report<S: Sequence>(_ ids: S, _ kind: String) where S.Element == Located<String> {
            var seen: [String: SourceLocation] = [:]
            for id in ids where !id.value.isEmpty {
                if let first = seen[id.value] {
                    sink.error("duplicate \(kind) id '\(id.value)' (first defined at \(first.line):\(first.column))", at: id.location)
                } else {
                    seen[id.value] = id.location
                }
            }
        }
        report(playbook.triggers.map(\.id), "trigger")
        report((playbook.steps + playbook.recovery).map(\.id), "step")
        report(playbook.channels.map(\.id), "channel")
        report(playbook.sources.map(\.id), "source")
        report(playbook.templates.map(\.id), "template")
        report(playbook.audience?.segments.map(\.id) ?? [], "segment")
    }

    private func checkTimezone() {
        guard let tz = playbook.timezone else { return }
        if !TimezoneNames.isValid(tz.value) {
            let hint = Suggestion.hint(for: tz.value, in: TimezoneNames.suggestions)
            sink.error("unknown timezone '\(tz.value)'\(hint.isEmpty ? "; use an IANA name such as 'Europe/Rome' or 'UTC'" : hint)", at: tz.location)
        }
    }

    // MARK: - Triggers

    private func checkTriggers() {
        for trigger in playbook.triggers {
            switch trigger.kind {
            case .platformDown(let down):
                var seen = Set<String>()
                for platform in down.platforms {
                    if !seen.insert(platform.value).inserted {
                        sink.warning("platform '\(platform.value)' is listed twice in trigger '\(trigger.id.value)'", at: platform.location)
                    }
                    if down.checks == nil, PlatformCatalog.platform(platform.value) == nil {
                        let hint = Suggestion.hint(for: platform.value, in: PlatformCatalog.ids)
                        sink.error("unknown platform '\(platform.value)' in trigger '\(trigger.id.value)'\(hint.isEmpty ? "; known platforms are \(PlatformCatalog.ids.joined(separator: ", ")), or give 'checks' for your own" : hint)", at: platform.location)
                    }
                }
            case .trafficDrop(let drop):
                if playbook.source(drop.source.value) == nil, !playbook.unreadable.contains(.source, drop.source.value) {
                    let ids = playbook.sources.map(\.id.value)
                    sink.error("trigger '\(trigger.id.value)' reads unknown source '\(drop.source.value)'\(Suggestion.hint(for: drop.source.value, in: ids))\(ids.isEmpty ? "; define it under 'sources'" : "")", at: drop.source.location)
                }
            case .manual, .webhook:
                break
            }
        }
        var paths: [String: String] = [:]
        for trigger in playbook.triggers {
            guard case .webhook(let hook) = trigger.kind else { continue }
            if let other = paths[hook.path] {
                sink.error("trigger '\(trigger.id.value)' listens on path '\(hook.path)' already taken by trigger '\(other)'", at: trigger.id.location)
            }
            paths[hook.path] = trigger.id.value
        }
    }

    // MARK: - Steps

    /// `contactColumns`: the contacts file's extra columns when it could be read, for `contact.fields.*` in messages.
    private func checkStep(_ step: Step, contactColumns: Set<String>?) {
        let what = describe(step)
        if case .approve(let request) = step.action {
            checkApproval(request, step, contactColumns: contactColumns)
            return
        }
        for reference in step.action.channels {
            guard let channel = playbook.channel(reference.value) else {
                if playbook.unreadable.contains(.channel, reference.value) { continue }
                let ids = playbook.channels.map(\.id.value)
                sink.error("\(what) uses unknown channel '\(reference.value)'\(Suggestion.hint(for: reference.value, in: ids))\(ids.isEmpty ? "; define it under 'channels'" : "")", at: reference.location)
                continue
            }
            let action = step.action.name
            if !channel.type.actions.contains(action) {
                let fitting = ChannelType.allCases.filter { $0.actions.contains(action) }.map(\.rawValue)
                let types = fitting.count > 1 ? fitting.dropLast().joined(separator: ", ") + " or " + fitting.last! : fitting.joined()
                sink.error("\(what): '\(action)' cannot use channel '\(channel.id.value)', which is of type \(channel.type.rawValue); '\(action)' needs a channel of type \(types)", at: reference.location)
            }
        }
        switch step.action {
        case .notify(let segment, let via, let content, _):
            checkSegmentReference(segment, what)
            checkDuplicateReferences(via, what)
            checkContent(content, what, contact: true, contactColumns: contactColumns, postChannels: [])
        case .post(let to, let content, let link, _):
            checkDuplicateReferences(to, what)
            checkPostTargets(to, what)
            let types = to.compactMap { playbook.channel($0.value) }
            checkContent(content, what, contact: false, postChannels: types, link: link)
            if let link, !TemplateChecker.isStatic(link.value) {
                TemplateChecker(scope: scope(steps: nil), sink: sink).check(link, node: nil, "'link' of \(what)")
            }
        case .reschedulePosts(_, let networks, _, _):
            for network in networks where !PlatformCatalog.networks.contains(network.value) {
                sink.error("\(what) names unknown network '\(network.value)'\(Suggestion.hint(for: network.value, in: PlatformCatalog.networks))", at: network.location)
            }
        case .log(let message):
            TemplateChecker(scope: scope(steps: nil), sink: sink).check(message, node: nil, "the message of \(what)")
        case .webhook:
            guard let body = step.webhookBody else { break }
            let checker = TemplateChecker(scope: scope(steps: nil), sink: sink)
            for leaf in Self.textLeaves(of: body) {
                if let text = leaf.locatedText { checker.check(text, node: leaf, "the body of \(what)") }
            }
        default:
            break
        }
        if step.isRecovery, case .pauseAds = step.action {
            sink.warning("\(what) pauses ads during recovery; recovery usually resumes them", at: step.actionLocation)
        }
    }

    /// A post goes to the channel's own chat: a telegram channel without `chat_id` (enough for
    /// `notify`, which writes to each contact's chat) has nowhere to post.
    func checkPostTargets(_ targets: [Located<String>], _ what: String) {
        for target in targets {
            guard let channel = playbook.channel(target.value), channel.type == .telegram, channel["chat_id"] == nil else { continue }
            sink.error(
                "\(what) posts on telegram channel '\(channel.id.value)', which has no 'chat_id'; add the chat to post in (e.g. chat_id: \"@yourchannel\") to the channel",
                at: target.location)
        }
    }

    /// The scalars of a YAML value that are sent as JSON strings (and so rendered as templates).
    static func textLeaves(of node: YAMLNode) -> [YAMLNode] {
        switch node.kind {
        case .scalar:
            if case .string = node.jsonValue { return [node] }
            return []
        case .sequence(let items): return items.flatMap(textLeaves(of:))
        case .mapping(let entries): return entries.flatMap { textLeaves(of: $0.value) }
        }
    }

    func checkDuplicateReferences(_ references: [Located<String>], _ what: String) {
        var seen = Set<String>()
        for reference in references where !seen.insert(reference.value).inserted {
            sink.error("\(what) names channel '\(reference.value)' twice", at: reference.location)
        }
    }

    func checkSegmentReference(_ segment: Located<String>, _ what: String) {
        guard let audience = playbook.audience else {
            if playbook.unreadable.containsSection(.segment) { return }
            sink.error("\(what) notifies segment '\(segment.value)', but the playbook has no 'audience'", at: segment.location)
            return
        }
        if audience.segment(segment.value) == nil, !playbook.unreadable.contains(.segment, segment.value) {
            let ids = audience.segments.map(\.id.value)
            sink.error("\(what) notifies unknown segment '\(segment.value)'\(Suggestion.hint(for: segment.value, in: ids))\(ids.isEmpty ? "; define it under 'audience.segments'" : "")", at: segment.location)
        }
    }

    func checkContent(
        _ content: MessageContent, _ what: String, contact: Bool, contactColumns: Set<String>? = nil, postChannels: [Channel], link: Located<String>? = nil,
        approval: Bool = false
    ) {
        var textScope = scope(steps: nil, contact: contact, contactFields: contactColumns)
        textScope.allowsApproval = approval
        let checker = TemplateChecker(scope: textScope, sink: sink)
        var postText: Located<String>?
        switch content {
        case .template(let id):
            guard let template = playbook.template(id.value) else {
                if playbook.unreadable.contains(.template, id.value) { return }
                let ids = playbook.templates.map(\.id.value)
                sink.error("\(what) uses unknown template '\(id.value)'\(Suggestion.hint(for: id.value, in: ids))\(ids.isEmpty ? "; define it under 'templates'" : "")", at: id.location)
                return
            }
            let parts = [template.subject, template.text, template.html].compactMap { $0 } + template.locales.flatMap { [$0.variant.subject, $0.variant.text, $0.variant.html].compactMap { $0 } }
            if !approval, parts.contains(where: { Self.namesApproval($0.value) }) {
                sink.error(
                    "\(what) uses template '\(id.value)', which names 'approval': only the request of an 'approve' step has an approval link; use another template here",
                    at: id.location)
            }
            if !contact {
                for part in parts where TemplateChecker.tags(in: part.value).contains(where: { $0.name.hasPrefix("contact.") || $0.name == "contact" }) {
                    sink.error("\(what) posts template '\(id.value)', which names 'contact': a post has no contact; use a template without contact fields", at: id.location)
                    break
                }
                if template.text == nil {
                    sink.error("\(what) posts template '\(id.value)', which has no 'text' part", at: id.location)
                }
            }
            postText = template.text
        case .inline(let subject, let text):
            if let subject { checker.check(subject, node: nil, "the subject of \(what)") }
            if let text { checker.check(text, node: nil, "the text of \(what)") }
            postText = text
        }
        guard let text = postText, TemplateChecker.isStatic(text.value), link.map({ TemplateChecker.isStatic($0.value) }) ?? true else { return }
        for channel in postChannels {
            guard let limit = channel.type.postLengthLimit else { continue }
            let length = PostLength.count(text.value, link: link?.value, for: channel.type)
            if length > limit {
                sink.error("\(what): the text is \(length) characters, over \(channel.type.displayName)'s limit of \(limit) for channel '\(channel.id.value)'", at: text.location)
            }
        }
    }

    // MARK: - after

    private func checkAfter(_ steps: [Step], section: String) {
        let ids = Set(steps.map(\.id.value))
        let otherSection = Set((section == "steps" ? playbook.recovery : playbook.steps).map(\.id.value))
        var edges: [String: [String]] = [:]
        for step in steps {
            for dependency in step.after {
                if dependency.value == step.id.value {
                    sink.error("\(describe(step)) waits for itself in 'after'", at: dependency.location)
                } else if ids.contains(dependency.value) {
                    edges[step.id.value, default: []].append(dependency.value)
                } else if otherSection.contains(dependency.value) {
                    sink.error("\(describe(step)) waits for '\(dependency.value)', which is in '\(section == "steps" ? "recovery" : "steps")'; 'after' names steps of the same section", at: dependency.location)
                } else if !playbook.unreadable.contains(.step, dependency.value) {
                    sink.error("\(describe(step)) waits for unknown step '\(dependency.value)'\(Suggestion.hint(for: dependency.value, in: ids))", at: dependency.location)
                }
            }
        }
        // Depth-first search, reporting each cycle once at the step that closes it.
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        var reported = Set<Set<String>>()
        func visit(_ id: String) {
            state[id] = 1
            stack.append(id)
            for next in edges[id] ?? [] {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    let cycle = Array(stack[start...])
                    if reported.insert(Set(cycle)).inserted, let step = steps.first(where: { $0.id.value == cycle[0] }) {
                        let names = (cycle + [cycle[0]]).joined(separator: " -> ") + " (each waits for the next, so none can start)"
                        let location = step.after.first { $0.value == cycle.dropFirst().first ?? cycle[0] }?.location ?? step.id.location
                        sink.error("cycle in 'after': \(names)", at: location)
                    }
                } else if state[next] == nil {
                    visit(next)
                }
            }
            stack.removeLast()
            state[id] = 2
        }
        for step in steps where state[step.id.value] == nil { visit(step.id.value) }
    }

    // MARK: - Segments and templates

    private func checkSegments(contactColumns: Set<String>?) {
        guard let audience = playbook.audience else { return }
        let segmentScope = scope(steps: nil, contact: true, contactFields: contactColumns)
        for segment in audience.segments {
            checkCondition(segment.condition, scope: segmentScope, "segment '\(segment.id.value)'")
        }
    }

    private func checkTemplates(contactColumns: Set<String>?) {
        // A template that an approve step sends may name `approval.*`; one used elsewhere is
        // reported at the step that uses it (see `checkContent`).
        let approvalTemplates = Set((playbook.steps + playbook.recovery).compactMap { step -> String? in
            guard case .template(let id)? = step.action.approvalRequest?.content else { return nil }
            return id.value
        })
        var approvalScope = scope(steps: nil, contact: true, contactFields: contactColumns)
        approvalScope.allowsApproval = true
        let plainChecker = TemplateChecker(scope: scope(steps: nil, contact: true, contactFields: contactColumns), sink: sink)
        let approvalChecker = TemplateChecker(scope: approvalScope, sink: sink)
        for template in playbook.templates {
            let checker = approvalTemplates.contains(template.id.value) ? approvalChecker : plainChecker
            for (part, text) in [("subject", template.subject), ("text", template.text), ("html", template.html)] {
                if let text { checker.check(text, node: nil, "the \(part) of template '\(template.id.value)'") }
            }
            var locales = Set<String>()
            for (locale, variant) in template.locales {
                if !locales.insert(locale.value).inserted {
                    sink.error("locale '\(locale.value)' appears twice in template '\(template.id.value)'", at: locale.location)
                }
                for (part, text) in [("subject", variant.subject), ("text", variant.text), ("html", variant.html)] {
                    if let text { checker.check(text, node: nil, "the \(part) of template '\(template.id.value)' for locale '\(locale.value)'") }
                }
            }
        }
    }

    // MARK: - Environment

    private func checkEnvironment() {
        var values: [ConfigValue] = playbook.channels.flatMap(\.configValues)
        for source in playbook.sources {
            switch source.kind {
            case .prometheus(let url, _), .json(let url, _): values.append(url)
            case .plausible(let url, _, let key): values += [url, key]
            case .csv: break
            }
        }
        for trigger in playbook.triggers {
            if case .webhook(let hook) = trigger.kind, let secret = hook.secret { values.append(secret) }
        }
        for step in playbook.steps + playbook.recovery {
            if case .webhook(_, let url?, _, _) = step.action { values.append(url) }
        }
        for value in values.sorted(by: { $0.location < $1.location }) {
            for name in value.environmentNames where options.environment[name] == nil {
                sink.error("environment variable '\(name)' is not set", at: value.location)
            }
        }
    }
}
