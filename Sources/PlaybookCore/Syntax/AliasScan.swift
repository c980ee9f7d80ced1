import CYaml

/// A pass over libyaml's events that stops hostile aliases before Yams composes the document.
///
/// Two things must not reach Yams. A collection used as a mapping key through an alias: Yams
/// checks every mapping for duplicate keys by hashing its keys in full, so `? *lol9 : x` (the
/// billion laughs as a key) is a billion nodes to hash, a hang before our own expansion budget
/// sees the tree. And the expansion itself, which is cheapest to measure here, at the alias that
/// crosses the limit, so that the diagnostic points at the alias rather than deep inside the
/// anchor it repeats. Only run on text with anchors and aliases: without them neither can happen.
enum AliasScan {
    enum Finding: Equatable {
        /// A mapping key that is a collection, written out or through an alias.
        case collectionKey(line: Int, column: Int)
        /// The alias at which the expanded document passes `limit` nodes.
        case expansion(line: Int, column: Int)
    }

    /// The first problem, if any. Nil too when libyaml fails first: the composing parser then
    /// reports that error itself.
    static func scan(_ text: String, nodeLimit: Int) -> Finding? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Finding? in
            guard let base = buffer.baseAddress else { return nil }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            struct Frame {
                var isMapping: Bool
                var expectsKey = true
                var anchor: String?
                /// Nodes in this collection once expanded, itself included.
                var size = 1
            }
            var stack: [Frame] = []
            var anchorSizes: [String: Int] = [:]
            var collectionAnchors = Set<String>()
            var total = 0
            func complete(size: Int) {
                guard !stack.isEmpty else { return }
                stack[stack.count - 1].size += size
                if stack[stack.count - 1].isMapping { stack[stack.count - 1].expectsKey.toggle() }
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let inKeyPosition = stack.last.map { $0.isMapping && $0.expectsKey } ?? false
                let line = Int(event.start_mark.line) + 1, column = Int(event.start_mark.column) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    if let anchor = event.data.scalar.anchor { anchorSizes[String(cString: anchor)] = 1 }
                    total += 1
                    complete(size: 1)
                case YAML_ALIAS_EVENT:
                    let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                    if inKeyPosition, collectionAnchors.contains(name) { return .collectionKey(line: line, column: column) }
                    let size = anchorSizes[name] ?? 1
                    total += size
                    if total > nodeLimit { return .expansion(line: line, column: column) }
                    complete(size: size)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    if inKeyPosition { return .collectionKey(line: line, column: column) }
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let anchor = (isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor).map { String(cString: $0) }
                    if let anchor { collectionAnchors.insert(anchor) }
                    total += 1
                    stack.append(Frame(isMapping: isMapping, anchor: anchor))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let frame = stack.popLast() else { return nil }
                    if let anchor = frame.anchor { anchorSizes[anchor] = frame.size }
                    complete(size: frame.size)
                default:
                    break
                }
            }
        }
    }
}
