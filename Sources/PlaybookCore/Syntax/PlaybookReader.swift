/// Walks the YAML tree of a playbook into the typed model, reporting structural problems
/// (unknown and missing keys, wrong types, malformed units and ids) as it goes.
///
/// References between parts (a step naming a channel) are checked later, by `PlaybookChecker`,
/// once the whole model exists.
struct PlaybookReader {
    let sink: DiagnosticSink
    let file: String
    let directory: String

    static let topLevelKeys = [
        "version", "playbook", "description", "timezone", "vars", "sources", "triggers", "channels",
        "audience", "templates", "settings", "if", "steps", "recovery",
    ]

    func read(_ root: YAMLNode) -> Playbook {
        var playbook = Playbook(file: file, directory: directory, location: root.location)
        guard let top = MappingReader.open(root, "the playbook", sink) else { return playbook }
        if root.isNull { return playbook }
        top.checkKeys(Self.topLevelKeys, required: ["version", "playbook", "triggers", "steps"])

        if let node = top.value("version") {
            if node.isPlainScalar, node.scalarText == "1" {
                playbook.version = Located(1, at: node.location)
            } else if node.scalarText == "1" {
                sink.error("'version' must be the number 1, not the text \"1\"; remove the quotes", at: node.location)
            } else {
                if let text = node.scalarText, !node.isNull {
                    sink.error("unsupported version '\(text)'; this tool reads version 1", at: node.location)
                } else {
                    sink.error("'version' must be 1, found \(node.kindDescription)", at: node.location)
                }
            }
        }
        if let name = top.text("playbook") {
            playbook.name = name
            Units.checkSlug(name, "playbook name", sink)
        }
        playbook.description = top.text("description")?.value
        if let tz = top.text("timezone") { playbook.timezone = tz }
        if let vars = top.value("vars") {
            if vars.entries != nil || vars.isNull { playbook.vars = vars.isNull ? .object([]) : vars.jsonValue } else {
                sink.error("'vars' must be a mapping of names to values, found \(vars.kindDescription)", at: vars.location)
            }
        }
        playbook.sources = readMap(top.value("sources"), "sources", idKind: "source id", readSource)
        playbook.triggers = readList(top.value("triggers"), "triggers", required: true, readTrigger)
        playbook.channels = readMap(top.value("channels"), "channels", idKind: "channel id", readChannel)
        if let node = top.value("audience") { playbook.audience = readAudience(node) }
        playbook.templates = readMap(top.value("templates"), "templates", idKind: "template id", readTemplate)
        if let node = top.value("settings"), let settings = MappingReader.open(node, "settings", sink) {
            settings.checkKeys(["quiet_hours"])
            if let window = settings.value("quiet_hours"), let parsed = Units.window(window, "'quiet_hours'", sink) {
                playbook.settings.quietHours = Located(parsed, at: window.location)
            }
        }
        if let node = top.value("if") { playbook.condition = readCondition(node, "the playbook's 'if'") }
        playbook.steps = readList(top.value("steps"), "steps", required: true) { readStep($0, recovery: false) }
        playbook.recovery = readList(top.value("recovery"), "recovery", required: false) { readStep($0, recovery: true) }
        playbook.unreadable = unreadableDefinitions(top, playbook)
        return playbook
    }

    // MARK: - Shapes

    /// A list section (`triggers`, `steps`, `recovery`).
    func readList<T>(_ node: YAMLNode?, _ key: String, required: Bool, _ readItem: (YAMLNode) -> T?) -> [T] {
        guard let node else { return [] }
        guard let items = node.items else {
            if node.isNull, !required { return [] }
            sink.error("'\(key)' must be a list\(node.entries != nil ? " (start each item with '- ')" : ""), found \(node.kindDescription)", at: node.location)
            return []
        }
        if items.isEmpty, required {
            sink.error("'\(key)' must have at least one item", at: node.location)
        }
        return items.compactMap(readItem)
    }

    /// A map section keyed by id (`channels`, `sources`, `templates`).
    func readMap<T>(_ node: YAMLNode?, _ key: String, idKind: String, _ readItem: (Located<String>, YAMLNode) -> T?) -> [T] {
        guard let node, !node.isNull else { return [] }
        guard let entries = node.entries else {
            sink.error("'\(key)' must be a mapping of ids to definitions, found \(node.kindDescription)", at: node.location)
            return []
        }
        return entries.compactMap { entry in
            Units.checkSlug(entry.key, idKind, sink)
            return readItem(entry.key, entry.value)
        }
    }

    /// An expression: parsed now; names and types are checked by `PlaybookChecker`.
    func readCondition(_ node: YAMLNode, _ what: String) -> Condition? {
        guard let text = node.scalarText, !node.isNull else {
            sink.error("\(what) must be an expression in text, such as \"incident.active\", found \(node.kindDescription)", at: node.location)
            return nil
        }
        var condition = Condition(text: text, node: node, expression: nil)
        if node.isPlainScalar, let b = YAMLScalar.bool(text) {
            condition.expression = Expression(.literal(.bool(b)), offset: 0, length: text.count)
            return condition
        }
        do {
            condition.expression = try Expression.parse(text)
        } catch {
            sink.error("in \(what): \(error.message)", at: node.location(ofTextOffset: error.offset))
        }
        return condition
    }

    func readID(_ reader: MappingReader, _ what: String) -> Located<String>? {
        guard let id = reader.text("id") else { return nil }
        Units.checkSlug(id, "\(what) id", sink)
        return id
    }

    // MARK: - Audience and templates

    func readAudience(_ node: YAMLNode) -> Audience? {
        guard let reader = MappingReader.open(node, "audience", sink) else { return nil }
        reader.checkKeys(["contacts", "segments"])
        var audience = Audience()
        if let node = reader.value("contacts"), node.entries != nil {
            readContacts(node, into: &audience)
        } else {
            audience.contacts = reader.text("contacts")
        }
        audience.segments = readMap(reader.value("segments"), "segments", idKind: "segment id") { id, value in
            readCondition(value, "segment '\(id.value)'").map { Segment(id: id, condition: $0) }
        }
        return audience
    }

    /// `contacts: {path, format}` or `contacts: {path, columns: {...}, consent_values: {yes, no}}`.
    func readContacts(_ node: YAMLNode, into audience: inout Audience) {
        guard let reader = MappingReader.open(node, "audience.contacts", sink) else { return }
        reader.checkKeys(["path", "format", "columns", "consent_values"], required: ["path"])
        audience.contacts = reader.text("path")
        if let format = reader.choice("format", ContactsFormat.allCases.map(\.rawValue)) {
            audience.format = ContactsFormat(rawValue: format.value) ?? .playbook
            if reader.has("columns"), audience.format != .playbook {
                sink.error("give either 'format' (a tool's export) or 'columns' (any other export) in audience.contacts, not both", at: format.location)
            }
        }
        var columns: [String: String] = [:]
        if let columnsNode = reader.value("columns"), let map = MappingReader.open(columnsNode, "audience.contacts.columns", sink) {
            map.checkKeys(ContactsColumns.fields)
            for field in ContactsColumns.fields { if let header = map.text(field) { columns[field] = header.value } }
            if columns.isEmpty { sink.error("audience.contacts.columns names no column; map at least 'email' or 'phone'", at: columnsNode.location) }
        }
        var yes: [String] = [], no: [String] = []
        if let valuesNode = reader.value("consent_values") {
            if !reader.has("columns") {
                sink.error("'consent_values' applies to a 'columns' mapping; a 'format' knows its tool's consent values", at: valuesNode.location)
            }
            if let values = MappingReader.open(valuesNode, "audience.contacts.consent_values", sink) {
                values.checkKeys(["yes", "no"], required: ["yes", "no"])
                yes = values.textList("yes")?.map(\.value) ?? []
                no = values.textList("no")?.map(\.value) ?? []
                let both = Set(yes.map { $0.lowercased() }).intersection(no.map { $0.lowercased() })
                if let word = both.sorted().first { sink.error("'\(word)' is in both 'yes' and 'no' of audience.contacts.consent_values", at: valuesNode.location) }
            }
        }
        if !columns.isEmpty { audience.columns = ContactsColumns(columns: columns, consentYes: yes, consentNo: no) }
    }

    static let templateParts = ["subject", "text", "html"]

    func readTemplate(_ id: Located<String>, _ node: YAMLNode) -> Template? {
        guard let reader = MappingReader.open(node, "template '\(id.value)'", sink) else { return nil }
        reader.checkKeys(Self.templateParts + ["locales"])
        var template = Template(id: id, subject: reader.text("subject"), text: reader.text("text"), html: reader.text("html"))
        if template.text == nil, template.html == nil {
            sink.error("template '\(id.value)' needs a 'text' (or an 'html') part", at: node.location)
        }
        if let locales = reader.value("locales"), let localeReader = MappingReader.open(locales, "'locales' of template '\(id.value)'", sink) {
            for entry in localeReader.entries {
                guard let variant = MappingReader.open(entry.value, "locale '\(entry.key.value)' of template '\(id.value)'", sink) else { continue }
                variant.checkKeys(Self.templateParts)
                if !Self.isLocale(entry.key.value) {
                    sink.error("'\(entry.key.value)' is not a locale; write a language code such as 'it' or 'pt-BR'", at: entry.key.location)
                }
                template.locales.append((entry.key, TemplateVariant(subject: variant.text("subject"), text: variant.text("text"), html: variant.text("html"))))
            }
        }
        return template
    }

    static func isLocale(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).flatMap { $0.split(separator: "_", omittingEmptySubsequences: false) }
        guard let language = parts.first, (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (2...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}
