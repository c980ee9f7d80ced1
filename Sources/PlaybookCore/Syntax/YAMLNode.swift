/// A YAML node with its place in the file: the tree every later stage walks.
///
/// Built from Yams' `Node` by `YAMLDocumentLoader`, with aliases expanded (within bounds) and merge
/// keys applied, so that checks never meet an alias and every value still knows where it was written.
public struct YAMLNode: Sendable {
    public enum ScalarStyle: Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded

        /// How many columns the text starts after the node's mark (the opening quote).
        var textColumnOffset: Int? {
            switch self {
            case .plain: return 0
            case .singleQuoted, .doubleQuoted: return 1
            case .literal, .folded: return nil
            }
        }
    }

    public enum Kind: Sendable {
        /// Quoted and block scalars are always text; only plain ones can be numbers, booleans or null.
        case scalar(String, style: ScalarStyle)
        case sequence([YAMLNode])
        case mapping([YAMLEntry])
    }

    public var kind: Kind
    public var location: SourceLocation
    /// For a scalar whose text does not sit at a fixed shift from its mark (escapes, several
    /// lines, a block scalar): where each of its characters was written. Nil when the shift of
    /// its style applies, or when the loader could not tell (then positions inside it are unknown).
    public var textLayout: TextLayout?
    /// Whether positions inside the scalar can be mapped to the file at all.
    var isTextMappable = true

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

/// One `key: value` pair of a mapping. Keys are always scalars in a playbook.
public struct YAMLEntry: Sendable {
    public var key: Located<String>
    public var value: YAMLNode
}

extension YAMLNode {
    /// The text of a scalar, whatever its style.
    public var scalarText: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    /// The scalar's text with its location, able to map offsets inside it back to the file.
    public var locatedText: Located<String>? {
        guard case .scalar(let text, _) = kind else { return nil }
        var located = Located(text, at: location, textColumnShift: textColumnShift)
        located.textLayout = textLayout
        return located
    }

    /// The columns between the mark and the text, when the text sits on the mark's line unchanged.
    private var textColumnShift: Int? {
        guard case .scalar(let text, let style) = kind, isTextMappable, textLayout == nil, !text.containsBytes("\n") else { return nil }
        return style.textColumnOffset
    }

    public var isPlainScalar: Bool {
        if case .scalar(_, .plain) = kind { return true }
        return false
    }

    /// Where the character at `offset` (in Unicode scalars) of this scalar's text was written,
    /// when the scalar is on one line; else the scalar's own location.
    public func location(ofTextOffset offset: Int) -> SourceLocation {
        if let textLayout { return textLayout.location(ofOffset: offset, file: location.file) ?? location }
        guard let shift = textColumnShift else { return location }
        return location.advanced(byColumns: shift + offset)
    }

    public var isNull: Bool {
        if case .scalar(let text, .plain) = kind { return ["", "~", "null", "Null", "NULL"].contains(text) }
        return false
    }

    public var entries: [YAMLEntry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// What a person would call this node's type, for "expected X, found Y" messages.
    public var kindDescription: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let text, let style):
            let plain = style == .plain
            if isNull { return "nothing" }
            if plain, YAMLScalar.bool(text) != nil { return "a boolean" }
            if plain, YAMLScalar.number(text) != nil { return "a number" }
            return "text '\(text.count > 40 ? String(text.prefix(40)) + "…" : text)'"
        }
    }

    /// Converts to a plain value (for `vars`, webhook bodies, test fixtures).
    public var jsonValue: JSONValue {
        switch kind {
        case .scalar(let text, let style):
            if style != .plain { return .string(text) }
            if isNull { return .null }
            if let b = YAMLScalar.bool(text) { return .bool(b) }
            if let n = YAMLScalar.number(text) { return .number(n) }
            return .string(text)
        case .sequence(let items): return .array(items.map(\.jsonValue))
        case .mapping(let entries): return .object(entries.map { ($0.key.value, $0.value.jsonValue) })
        }
    }
}

/// The YAML 1.2 core schema's reading of plain scalars.
public enum YAMLScalar {
    public static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    public static func integer(_ text: String) -> Int? {
        if let n = Int(text) { return n }
        if text.hasPrefix("0x"), let n = Int(text.dropFirst(2), radix: 16) { return n }
        if text.hasPrefix("0o"), let n = Int(text.dropFirst(2), radix: 8) { return n }
        return nil
    }

    public static func number(_ text: String) -> Double? {
        if let n = integer(text) { return Double(n) }
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
        return Double(text)
    }
}
