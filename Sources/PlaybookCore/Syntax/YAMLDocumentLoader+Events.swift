import CYaml

extension YAMLDocumentLoader {
    /// Builds the tree straight from libyaml's events, for the documents people actually write:
    /// one document, no anchors, aliases or merge keys, scalar keys without duplicates, within the
    /// node and depth bounds. Returns nil for anything else, and on any libyaml error; the Yams
    /// path then loads the text and reports exactly what it always did.
    ///
    /// It skips what Yams does for every document: a `Node` tree built and then copied into ours,
    /// tag resolution, and duplicate-key detection by hashing `Node`s. That halves loading time.
    static func loadPlainDocument(_ text: String, path: String, restoresBraces: Bool) -> (YAMLNode, unquotedReferences: [UnquotedReference])? {
        var contiguous = text
        return contiguous.withUTF8 { bytes -> (YAMLNode, unquotedReferences: [UnquotedReference])? in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
            let events = EventStream(base, count: bytes.count)
            guard events.next() == YAML_STREAM_START_EVENT, events.next() == YAML_DOCUMENT_START_EVENT, events.next() != nil else { return nil }
            var builder = PlainTreeBuilder(events: events, path: path, text: text, restoresBraces: restoresBraces)
            guard let root = builder.node(depth: 1), events.next() == YAML_DOCUMENT_END_EVENT, events.next() == YAML_STREAM_END_EVENT else {
                return nil
            }
            return (root, builder.unquotedReferences)
        }
    }
}

/// libyaml's parser over a byte buffer, one event at a time (each freed before the next).
private final class EventStream {
    let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
    private var holdsEvent = false

    init(_ bytes: UnsafePointer<UInt8>, count: Int) {
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes, count)
    }

    deinit {
        if holdsEvent { yaml_event_delete(event) }
        yaml_parser_delete(parser)
        parser.deallocate()
        event.deallocate()
    }

    /// The next event's type, or nil on a parse error.
    func next() -> yaml_event_type_t? {
        if holdsEvent {
            yaml_event_delete(event)
            holdsEvent = false
        }
        guard yaml_parser_parse(parser, event) == 1 else { return nil }
        holdsEvent = true
        return event.pointee.type
    }
}

private struct PlainTreeBuilder {
    let events: EventStream
    let path: String
    let text: String
    let restoresBraces: Bool
    /// Counted as the Yams path counts: every node but mapping keys.
    var nodes = 0
    /// How many flow collections (`{…}`, `[…]`) the current event is inside.
    var flowDepth = 0
    /// Plain scalars holding a `${env.NAME}` inside a flow collection (see `unquotedFlowReferences`).
    var unquotedReferences: [YAMLDocumentLoader.UnquotedReference] = []
    /// The text's lines, for scalars whose characters do not sit unchanged after their mark;
    /// split only when the first such scalar comes (most documents have a few, some none).
    var lines: [[Unicode.Scalar]]?

    func location() -> SourceLocation {
        let mark = events.event.pointee.start_mark
        return SourceLocation(file: path, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// The scalar's text as libyaml read it (with the private-use braces, if any).
    func rawScalarText() -> String {
        let scalar = events.event.pointee.data.scalar
        return String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
    }

    func restored(_ raw: String) -> String {
        restoresBraces ? YAMLDocumentLoader.restoreBraces(raw) : raw
    }

    /// Whether a one-line scalar's text is exactly what is written after its mark (plus the
    /// opening quote): then the style's fixed shift places its characters, as the Yams path
    /// finds by comparing with the line. An escape, a doubled quote or a fold would make the
    /// written span longer than the text, or end on another line.
    func sitsUnchanged(_ raw: String, style: YAMLNode.ScalarStyle) -> Bool {
        guard let shift = style.textColumnOffset, !raw.utf8.contains(UInt8(ascii: "\n")), raw.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            return false
        }
        let start = events.event.pointee.start_mark, end = events.event.pointee.end_mark
        return start.line == end.line && Int(end.column) - Int(start.column) == raw.utf8.count + 2 * shift
    }

    /// The node whose first event is the current one.
    mutating func node(depth: Int) -> YAMLNode? {
        nodes += 1
        guard nodes <= YAMLDocumentLoader.maximumNodes, depth <= YAMLDocumentLoader.maximumDepth else { return nil }
        let event = events.event.pointee
        let at = location()
        switch event.type {
        case YAML_SCALAR_EVENT:
            guard event.data.scalar.anchor == nil else { return nil }
            let style: YAMLNode.ScalarStyle
            switch event.data.scalar.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let raw = rawScalarText()
            if restoresBraces, flowDepth > 0, style == .plain, raw.unicodeScalars.contains(YAMLDocumentLoader.openBrace) {
                unquotedReferences.append(.init(location: at, text: restored(raw)))
            }
            var scalar = YAMLNode(.scalar(restored(raw), style: style), at: at)
            if !sitsUnchanged(raw, style: style) {
                if lines == nil { lines = YAMLDocumentLoader.lines(of: text) }
                YAMLDocumentLoader.layOut(&scalar, raw: raw, lines: lines!)
            }
            return scalar
        case YAML_SEQUENCE_START_EVENT:
            guard event.data.sequence_start.anchor == nil else { return nil }
            let isFlow = event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
            if isFlow { flowDepth += 1 }
            defer { if isFlow { flowDepth -= 1 } }
            var items: [YAMLNode] = []
            while true {
                guard let type = events.next() else { return nil }
                if type == YAML_SEQUENCE_END_EVENT { break }
                guard let item = node(depth: depth + 1) else { return nil }
                items.append(item)
            }
            return YAMLNode(.sequence(items), at: at)
        case YAML_MAPPING_START_EVENT:
            guard event.data.mapping_start.anchor == nil else { return nil }
            let isFlow = event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
            if isFlow { flowDepth += 1 }
            defer { if isFlow { flowDepth -= 1 } }
            var entries: [YAMLEntry] = []
            var keys: Set<String>?  // for long mappings only; a short one is scanned
            while true {
                guard let type = events.next() else { return nil }
                if type == YAML_MAPPING_END_EVENT { break }
                // Keys: plain text only; a merge key or a duplicate goes the Yams way.
                guard type == YAML_SCALAR_EVENT, events.event.pointee.data.scalar.anchor == nil else { return nil }
                let key = Located(restored(rawScalarText()), at: location())
                guard key.value != "<<" else { return nil }
                if entries.count >= 16 {
                    if keys == nil { keys = Set(entries.map(\.key.value)) }
                    guard keys!.insert(key.value).inserted else { return nil }
                } else if entries.contains(where: { $0.key.value == key.value }) {
                    return nil
                }
                guard events.next() != nil, let value = node(depth: depth + 1) else { return nil }
                entries.append(YAMLEntry(key: key, value: value))
            }
            return YAMLNode(.mapping(entries), at: at)
        default:  // an alias
            return nil
        }
    }
}

extension YAMLDocumentLoader {
    /// A plain scalar holding `${env.NAME}` inside a flow collection, and its text.
    struct UnquotedReference: Sendable {
        var location: SourceLocation
        var text: String
    }

    /// Where an unquoted `${env.NAME}` sits inside a flow collection (`{ token: ${env.X} }`):
    /// such a file is not YAML (there the `{` opens a mapping), so editors, linters and schema
    /// tools reject it. It still loads (the braces are protected before parsing); each place is
    /// reported as a warning that shows the quoted spelling. `protectedText` is the text after
    /// `protectEnvironmentReferences`.
    static func unquotedFlowReferences(_ protectedText: String, path: String) -> [UnquotedReference] {
        var contiguous = protectedText
        return contiguous.withUTF8 { bytes -> [UnquotedReference] in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return [] }
            let events = EventStream(base, count: bytes.count)
            var flow: [Bool] = []
            var found: [UnquotedReference] = []
            while let type = events.next(), type != YAML_STREAM_END_EVENT {
                let event = events.event.pointee
                switch type {
                case YAML_MAPPING_START_EVENT: flow.append(event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE)
                case YAML_SEQUENCE_START_EVENT: flow.append(event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE)
                case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT: _ = flow.popLast()
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    guard scalar.style == YAML_PLAIN_SCALAR_STYLE, flow.contains(true) else { continue }
                    let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                    if text.unicodeScalars.contains(openBrace) {
                        let at = SourceLocation(file: path, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                        found.append(UnquotedReference(location: at, text: restoreBraces(text)))
                    }
                default: continue
                }
            }
            return found
        }
    }
}
