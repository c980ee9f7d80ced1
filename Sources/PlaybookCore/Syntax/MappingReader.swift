/// Reads one YAML mapping as part of the typed model, reporting what a careful reviewer would:
/// unknown keys (with a suggestion), missing required keys, and values of the wrong type.
struct MappingReader {
    let node: YAMLNode
    let entries: [YAMLEntry]
    /// What the mapping is, for messages: "smtp channel 'newsletter'", "step 'warn-vips'".
    let context: String
    let sink: DiagnosticSink
    /// Keys that are not allowed here but are somewhere near, with where they belong ("under
    /// 'retry'"): the usual result of an indentation slip, said plainly instead of "unknown".
    var misplaced: [String: String] = [:]

    /// Opens a mapping, or reports that the node is something else.
    static func open(_ node: YAMLNode, _ context: String, _ sink: DiagnosticSink) -> MappingReader? {
        if node.isNull { return MappingReader(node: node, entries: [], context: context, sink: sink) }
        guard let entries = node.entries else {
            sink.error("\(context) must be a mapping of keys to values, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return MappingReader(node: node, entries: entries, context: context, sink: sink)
    }

    /// Reports keys outside `allowed` and required keys that are absent.
    ///
    /// A required key that is only misspelt (`querry:` for `query:`) is reported once, as the
    /// unknown key with its suggestion, not a second time as missing.
    func checkKeys(_ allowed: [String], required: [String] = []) {
        for entry in entries where !allowed.contains(entry.key.value) {
            var hint = Suggestion.hint(for: entry.key.value, in: allowed)
            if hint.isEmpty, let place = misplaced[entry.key.value] { hint = "; it belongs \(place)" }
            sink.error("unknown key '\(entry.key.value)' in \(context)\(hint)", at: entry.key.location)
        }
        let misspelt = misspellings(allowed)
        for key in required where value(key) == nil && !misspelt.contains(key) {
            sink.error("missing required key '\(key)' in \(context)", at: node.location)
        }
    }

    /// The allowed keys that unknown keys of this mapping look like misspellings of.
    func misspellings(_ allowed: [String]) -> Set<String> {
        Set(entries.filter { !allowed.contains($0.key.value) }.compactMap { Suggestion.closest(to: $0.key.value, in: allowed) })
    }

    func value(_ key: String) -> YAMLNode? {
        entries.first { $0.key.value == key }?.value
    }

    func entry(_ key: String) -> YAMLEntry? {
        entries.first { $0.key.value == key }
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    // MARK: - Typed values

    /// A scalar as text (numbers and booleans are read as written).
    func text(_ key: String, required: Bool = false) -> Located<String>? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalarText, !node.isNull else {
            sink.error("'\(key)' in \(context) must be text, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return node.locatedText ?? Located(text, at: node.location)
    }

    func integer(_ key: String, in range: ClosedRange<Int>) -> Located<Int>? {
        guard let node = value(key) else { return nil }
        guard node.isPlainScalar, let text = node.scalarText, let n = YAMLScalar.integer(text) else {
            sink.error("'\(key)' in \(context) must be a whole number, found \(node.kindDescription)", at: node.location)
            return nil
        }
        guard range.contains(n) else {
            sink.error("'\(key)' in \(context) must be between \(range.lowerBound) and \(range.upperBound), found \(n)", at: node.location)
            return nil
        }
        return Located(n, at: node.location)
    }

    func bool(_ key: String) -> Bool? {
        guard let node = value(key) else { return nil }
        guard node.isPlainScalar, let text = node.scalarText, let b = YAMLScalar.bool(text) else {
            sink.error("'\(key)' in \(context) must be true or false, found \(node.kindDescription)", at: node.location)
            return nil
        }
        return b
    }

    func duration(_ key: String) -> Double? {
        guard let node = value(key) else { return nil }
        return Units.duration(node, "'\(key)' in \(context)", sink)
    }

    func choice(_ key: String, _ options: [String]) -> Located<String>? {
        guard let text = text(key) else { return nil }
        guard options.contains(text.value) else {
            sink.error("'\(key)' in \(context) must be one of \(options.map { "'\($0)'" }.joined(separator: ", ")), found '\(text.value)'\(Suggestion.hint(for: text.value, in: options))", at: text.location)
            return nil
        }
        return text
    }

    /// A list of scalars (ids, platforms, networks).
    func textList(_ key: String, allowEmpty: Bool = false) -> [Located<String>]? {
        guard let node = value(key) else { return nil }
        guard let items = node.items else {
            sink.error("'\(key)' in \(context) must be a list, found \(node.kindDescription)\(node.scalarText.map { node.isNull ? "" : "; write [\($0)]" } ?? "")", at: node.location)
            return nil
        }
        if items.isEmpty, !allowEmpty {
            sink.error("'\(key)' in \(context) must not be empty", at: node.location)
            return nil
        }
        var out: [Located<String>] = []
        for item in items {
            guard let text = item.scalarText, !item.isNull else {
                sink.error("items of '\(key)' in \(context) must be text, found \(item.kindDescription)", at: item.location)
                continue
            }
            out.append(item.locatedText ?? Located(text, at: item.location))
        }
        return out
    }

    /// A configuration value that may name `${env.X}`.
    func config(_ key: String) -> ConfigValue? {
        guard let text = text(key) else { return nil }
        return Units.config(text, node: value(key)!, sink)
    }
}
