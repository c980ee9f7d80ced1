import CYaml
import Foundation
import Yams

/// Turns the bytes of a playbook file into one `YAMLNode` tree, or a single clear diagnostic.
///
/// Every hostile input is stopped here, cheaply and before it can cost anything: files over
/// 1 MiB, bytes that are not UTF-8, several documents, alias bombs (expansion over 10,000 nodes)
/// and nesting deeper than 64 levels. libyaml's own nesting limit is lowered so that a deeply
/// nested flow (`[[[[…`) fails inside libyaml rather than in a deep recursion of ours.
public struct YAMLDocumentLoader: Sendable {
    public static let maximumBytes = 1 << 20
    public static let maximumNodes = 10_000
    public static let maximumDepth = 64

    public init() {}

    /// The outcome of loading: the tree when the file is readable YAML, else the reason why not.
    public enum Outcome: Sendable {
        case document(YAMLNode, SourceFile)
        case failure(Diagnostic, SourceFile?)
    }

    public func load(bytes: [UInt8], path: String) -> Outcome {
        load(bytes: bytes, path: path, plainFastPath: true).outcome
    }

    /// Loads, and also reports each unquoted `${env.NAME}` inside a flow collection as a
    /// warning showing the quoted spelling (the file loads, but it is not plain YAML).
    public func loadWithWarnings(bytes: [UInt8], path: String) -> (outcome: Outcome, warnings: [Diagnostic]) {
        let (outcome, places) = load(bytes: bytes, path: path, plainFastPath: true)
        return (outcome, places.map { .warning(Self.unquotedReferenceMessage($0.text), at: $0.location) })
    }

    static func unquotedReferenceMessage(_ text: String) -> String {
        let quoted = "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        return "an unquoted '${env.…}' inside '{ }' or '[ ]' is not YAML (there '{' opens a mapping), so editors, linters and schema tools reject this file; quote it: \(quoted)"
    }

    /// `plainFastPath: false` forces the Yams path, for tests comparing the two.
    func load(bytes: [UInt8], path: String, plainFastPath: Bool) -> (outcome: Outcome, unquotedReferences: [UnquotedReference]) {
        var places: [UnquotedReference] = []
        let outcome = load(bytes: bytes, path: path, plainFastPath: plainFastPath, unquotedReferences: &places)
        return (outcome, places)
    }

    private func load(bytes: [UInt8], path: String, plainFastPath: Bool, unquotedReferences: inout [UnquotedReference]) -> Outcome {
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard bytes.count <= Self.maximumBytes else {
            return .failure(.error("file is over 1 MiB (the limit is \(Self.maximumBytes) bytes); a playbook should be far smaller", at: start), nil)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
                return .failure(.error("file is UTF-16, not UTF-8; save it as UTF-8", at: start), nil)
            }
            return .failure(.error("file is not valid UTF-8 (\(Self.describeInvalidUTF8(bytes)))", at: Self.locationOfInvalidUTF8(bytes, path: path)), nil)
        }
        let source = SourceFile(path: path, text: text)
        var parsedText = text
        do {
            Self.lowerLibyamlNestingLimit
            let protected = Self.protectEnvironmentReferences(text)
            parsedText = protected ?? text
            if parsedText.containsBytes("&"), parsedText.containsBytes("*"), let finding = AliasScan.scan(parsedText, nodeLimit: Self.maximumNodes) {
                switch finding {
                case .collectionKey(let line, let column):
                    return .failure(.error(Self.collectionKeyMessage, at: SourceLocation(file: path, line: line, column: column)), source)
                case .expansion(let line, let column):
                    return .failure(.error(Self.expansionMessage, at: SourceLocation(file: path, line: line, column: column)), source)
                }
            }
            if plainFastPath, let (tree, places) = Self.loadPlainDocument(parsedText, path: path, restoresBraces: protected != nil) {
                unquotedReferences = places
                return .document(tree, source)
            }
            if protected != nil { unquotedReferences = Self.unquotedFlowReferences(parsedText, path: path) }
            let parser = try Parser(yaml: parsedText, resolver: .basic, constructor: .default, encoding: .utf8)
            guard let root = try parser.nextRoot() else {
                return .failure(.error("file is empty: a playbook needs at least 'version', 'playbook', 'triggers' and 'steps'", at: start), source)
            }
            if let second = try parser.nextRoot() {
                let at = second.mark.map { SourceLocation(file: path, line: $0.line, column: $0.column) } ?? start
                return .failure(.error("file holds more than one YAML document; a playbook is exactly one (remove the '---' separator)", at: at), source)
            }
            let hasAliases = parsedText.containsBytes("&") && parsedText.containsBytes("*")
            var budget = Budget(restoresBraces: protected != nil, lines: Self.lines(of: parsedText), hasAliases: hasAliases)
            let tree = try convert(root, path: path, depth: 1, budget: &budget)
            return .document(tree, source)
        } catch let failure as LoadFailure {
            return .failure(failure.diagnostic, source)
        } catch let error as YamlError {
            return .failure(Self.diagnostic(for: error, path: path, text: parsedText), source)
        } catch {
            return .failure(.error("cannot read YAML: \(error)", at: start), source)
        }
    }

    // MARK: - Conversion

    private struct Budget {
        var nodes = 0
        var restoresBraces: Bool
        /// The parsed text's lines, in Unicode scalars (libyaml's columns), to place scalars' characters.
        var lines: [[Unicode.Scalar]]
        var hasAliases: Bool
    }

    static func lines(of text: String) -> [[Unicode.Scalar]] {
        // One pass over the UTF-8 bytes (valid: checked on load), dropping the '\r' of each "\r\n".
        var text = text
        return text.withUTF8 { bytes in
            var lines: [[Unicode.Scalar]] = []
            var line: [Unicode.Scalar] = []
            line.reserveCapacity(96)
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                if byte == UInt8(ascii: "\n") {
                    if line.last == "\r" { line.removeLast() }
                    lines.append(line)
                    line = []
                    line.reserveCapacity(96)
                    i += 1
                } else if byte < 0x80 {
                    line.append(Unicode.Scalar(byte))
                    i += 1
                } else {
                    let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                    var value = UInt32(byte) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                    for k in 1..<length where i + k < bytes.count { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
                    line.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                    i += length
                }
            }
            lines.append(line)
            return lines
        }
    }

    private func layOut(_ node: inout YAMLNode, raw: String, budget: Budget) {
        Self.layOut(&node, raw: raw, lines: budget.lines)
    }

    /// Records where a scalar's characters were written when its style's fixed shift does not say.
    static func layOut(_ node: inout YAMLNode, raw: String, lines: [[Unicode.Scalar]]) {
        guard case .scalar(_, let style) = node.kind else { return }
        let text = Array(raw.unicodeScalars)
        let row = node.location.line - 1
        guard row >= 0, row < lines.count else {
            node.isTextMappable = false
            return
        }
        if let shift = style.textColumnOffset, !text.contains("\n") {
            let start = node.location.column - 1 + shift
            let line = lines[row]
            if start >= 0, start + text.count <= line.count, line[start..<(start + text.count)].elementsEqual(text) {
                return  // on the mark's line, unchanged: the style's shift applies
            }
        }
        if let layout = TextLayout.align(text, style: style, lines: lines, line: node.location.line, column: node.location.column) {
            node.textLayout = layout
        } else {
            node.isTextMappable = false
        }
    }

    // MARK: - `${env.NAME}` in flow collections

    static let openBrace: Unicode.Scalar = "\u{E000}"
    static let closeBrace: Unicode.Scalar = "\u{E001}"

    /// The contract writes `{ token: ${env.X_TOKEN} }`, which is not YAML: in a flow mapping the
    /// `{` of `${` opens a nested mapping. To keep that spelling working, the braces of every
    /// well-formed `${env.NAME}` are swapped for private-use characters before parsing (one
    /// scalar for one, so lines and columns stay exact) and swapped back in every scalar.
    /// Returns nil when the text has no such reference (or already holds those characters).
    static func protectEnvironmentReferences(_ text: String) -> String? {
        // Works on UTF-8 bytes: every byte that matters is ASCII, and a private-use character
        // (3 bytes) is still one character to libyaml, whose marks count characters.
        var found: [UInt8]?
        var copied = 0
        text.utf8.withContiguousStorageIfAvailable { bytes in
            let n = bytes.count
            var i = 0
            while i + 6 < n {
                guard bytes[i] == UInt8(ascii: "$"), bytes[i + 1] == UInt8(ascii: "{"), bytes[i + 2] == UInt8(ascii: "e"),
                    bytes[i + 3] == UInt8(ascii: "n"), bytes[i + 4] == UInt8(ascii: "v"), bytes[i + 5] == UInt8(ascii: ".")
                else {
                    i += 1
                    continue
                }
                var j = i + 6
                while j < n, isNameByte(bytes[j]) { j += 1 }
                guard j < n, bytes[j] == UInt8(ascii: "}"), j > i + 6 else {
                    i += 1
                    continue
                }
                if found == nil {
                    if containsPrivateUseBraces(bytes) { return }
                    found = []
                    found!.reserveCapacity(n + 64)
                }
                found!.append(contentsOf: bytes[copied...i])
                found!.append(contentsOf: openBraceUTF8)
                found!.append(contentsOf: bytes[(i + 2)..<j])
                found!.append(contentsOf: closeBraceUTF8)
                copied = j + 1
                i = j + 1
            }
            if found != nil { found!.append(contentsOf: bytes[copied..<n]) }
        } ?? {
            var copy = text
            copy.makeContiguousUTF8()
            found = protectEnvironmentReferences(copy).map { Array($0.utf8) }
        }()
        return found.map { String(decoding: $0, as: UTF8.self) }
    }

    private static let openBraceUTF8: [UInt8] = Array(String(Character(openBrace)).utf8)
    private static let closeBraceUTF8: [UInt8] = Array(String(Character(closeBrace)).utf8)

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    /// Whether the text already holds U+E000 or U+E001 (then it is left alone: they could not be told apart).
    private static func containsPrivateUseBraces(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == 0xEE, bytes[i + 1] == 0x80, bytes[i + 2] == 0x80 || bytes[i + 2] == 0x81 { return true }
            i += 1
        }
        return false
    }

    static func restoreBraces(_ text: String) -> String {
        // Both private-use characters are EE 80 80 / EE 80 81 in UTF-8; most scalars have neither.
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard bytes.contains(0xEE) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            var changed = false
            while i < bytes.count {
                if bytes[i] == 0xEE, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0x80 || bytes[i + 2] == 0x81 {
                    out.append(bytes[i + 2] == 0x80 ? UInt8(ascii: "{") : UInt8(ascii: "}"))
                    i += 3
                    changed = true
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            return changed ? String(decoding: out, as: UTF8.self) : nil
        } ?? text
    }

    private struct LoadFailure: Error {
        var diagnostic: Diagnostic
    }

    private func location(_ mark: Mark?, _ path: String) -> SourceLocation {
        SourceLocation(file: path, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private func convert(_ node: Node, path: String, depth: Int, budget: inout Budget) throws -> YAMLNode {
        let at = location(node.mark, path)
        budget.nodes += 1
        if budget.nodes > Self.maximumNodes {
            // Without anchors nothing expands: the file itself is that large.
            throw LoadFailure(diagnostic: .error(budget.hasAliases ? Self.expansionMessage : Self.sizeMessage, at: at))
        }
        if depth > Self.maximumDepth {
            throw LoadFailure(diagnostic: .error("document is nested deeper than \(Self.maximumDepth) levels", at: at))
        }
        switch node {
        case .scalar(let scalar):
            let style: YAMLNode.ScalarStyle
            switch scalar.style {
            case .singleQuoted: style = .singleQuoted
            case .doubleQuoted: style = .doubleQuoted
            case .literal: style = .literal
            case .folded: style = .folded
            default: style = .plain
            }
            var converted = YAMLNode(.scalar(budget.restoresBraces ? Self.restoreBraces(scalar.string) : scalar.string, style: style), at: at)
            layOut(&converted, raw: scalar.string, budget: budget)
            return converted
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                items.append(try convert(item, path: path, depth: depth + 1, budget: &budget))
            }
            return YAMLNode(.sequence(items), at: at)
        case .mapping(let mapping):
            return YAMLNode(.mapping(try convertMapping(mapping, path: path, depth: depth, budget: &budget)), at: at)
        case .alias:
            throw LoadFailure(diagnostic: .error("unresolved YAML alias", at: at))
        }
    }

    /// Applies YAML 1.1 merge keys (`<<: *anchor` or `<<: [*a, *b]`): keys written in the mapping
    /// win over merged ones, and earlier merged mappings win over later ones.
    private func convertMapping(_ mapping: Node.Mapping, path: String, depth: Int, budget: inout Budget) throws -> [YAMLEntry] {
        var own: [YAMLEntry] = []
        var merged: [YAMLEntry] = []
        for (key, value) in mapping {
            let keyAt = location(key.mark, path)
            guard case .scalar(let keyScalar) = key else {
                throw LoadFailure(diagnostic: .error(Self.collectionKeyMessage, at: keyAt))
            }
            if keyScalar.string == "<<", keyScalar.style == .plain || keyScalar.style == .any {
                let sources: [Node]
                switch value {
                case .mapping: sources = [value]
                case .sequence(let list): sources = Array(list)
                default:
                    throw LoadFailure(diagnostic: .error("a merge key '<<' takes a mapping or a list of mappings (e.g. '<<: *defaults')", at: keyAt))
                }
                for source in sources {
                    guard case .mapping(let sourceMapping) = source else {
                        throw LoadFailure(diagnostic: .error("a merge key '<<' takes a mapping or a list of mappings (e.g. '<<: *defaults')", at: location(source.mark, path)))
                    }
                    budget.nodes += 1
                    for entry in try convertMapping(sourceMapping, path: path, depth: depth, budget: &budget)
                    where !merged.contains(where: { $0.key.value == entry.key.value }) {
                        merged.append(entry)
                    }
                }
                continue
            }
            let keyText = budget.restoresBraces ? Self.restoreBraces(keyScalar.string) : keyScalar.string
            own.append(YAMLEntry(key: Located(keyText, at: keyAt), value: try convert(value, path: path, depth: depth + 1, budget: &budget)))
        }
        if merged.isEmpty { return own }
        let ownKeys = Set(own.map(\.key.value))
        return own + merged.filter { !ownKeys.contains($0.key.value) }
    }

    // MARK: - Errors

    private static let lowerLibyamlNestingLimit: Void = {
        yaml_set_max_nest_level(Int32(maximumDepth * 2))
    }()

    static let expansionMessage = "document expands to more than \(maximumNodes) nodes (aliases expanding recursively?); refusing to load it"
    static let sizeMessage = "document has more than \(maximumNodes) nodes; a playbook should be far smaller (split it into several playbooks)"
    static let collectionKeyMessage = "mapping keys must be plain text, found a collection as a key"

    static func diagnostic(for error: YamlError, path: String, text: String = "") -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        let lines = Self.lines(of: text)
        func describe(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> String {
            if problem.contains("Maximum nesting level") {
                return "document is nested deeper than \(maximumDepth) levels"
            }
            var message = problem
            if problem == "found undefined alias", let name = aliasName(at: mark, lines: lines) {
                return "YAML syntax error: alias '*\(name)' names no anchor '&\(name)' written before it"
            }
            if let context, !context.text.isEmpty {
                message = "\(problem) \(context.text)"
            }
            return "YAML syntax error: \(message)\(hint(problem, at: mark, lines: lines))"
        }
        switch error {
        case let .scanner(context, problem, mark, _): return .error(describe(context, problem, mark), at: at(mark))
        case let .parser(context, problem, mark, _): return .error(describe(context, problem, mark), at: at(mark))
        case let .composer(context, problem, mark, _): return .error(describe(context, problem, mark), at: at(mark))
        case let .duplicatedKeysInMapping(duplicates, context):
            let first = at(context.mark)
            // Yams names a key it cannot show as text '<uncovertable>': a collection, which no playbook key may be.
            guard let key = duplicates.first, key != "<uncovertable>" else { return .error(collectionKeyMessage, at: first) }
            let second = locateDuplicate(key, after: first, lines: lines) ?? first
            let earlier = second == first ? "" : " (first at line \(first.line))"
            return .error("key '\(key)' appears twice in the same mapping\(earlier); each key may appear once", at: second)
        case let .reader(problem, offset, _, yaml):
            var location = SourceLocation(file: path, line: 1, column: 1)
            if let offset { location = locationOf(offset: offset, in: yaml, path: path) }
            let hint = problem == "control characters are not allowed" ? " (is this a binary file, or text in another encoding than UTF-8?)" : ""
            return .error("cannot read the file: \(problem)\(hint)", at: location)
        default:
            return .error("cannot read YAML: \(error)", at: SourceLocation(file: path, line: 1, column: 1))
        }
    }

    /// A plain-words hint for the libyaml messages users meet most, which name the parser's state
    /// rather than the mistake.
    static func hint(_ problem: String, at mark: Mark, lines: [[Unicode.Scalar]]) -> String {
        let row = mark.line - 1, col = mark.column - 1
        let line = row >= 0 && row < lines.count ? lines[row] : []
        if problem.contains("did not find expected ',' or ']'") {
            return "; is a '[' above never closed with ']'?"
        }
        if problem.contains("did not find expected ',' or '}'"), col > 0, col < line.count,
            line[col] == "{" || line[col] == openBrace, line[col - 1] == "$"
        {
            return "; a '${...}' here is not a well-formed '${env.NAME}': fix the name, or quote the whole value"
        }
        if problem == "mapping values are not allowed in this context" {
            return " (check this line's indentation against the line above, or quote a value that holds ': ')"
        }
        if problem.contains("found character that cannot start any token"), col < line.count, line[col] == "\t" {
            return " (YAML indents with spaces, not tabs)"
        }
        return ""
    }

    static func aliasName(at mark: Mark, lines: [[Unicode.Scalar]]) -> String? {
        let row = mark.line - 1, col = mark.column - 1
        guard row >= 0, row < lines.count, col < lines[row].count, lines[row][col] == "*" else { return nil }
        let name = String(String.UnicodeScalarView(lines[row].dropFirst(col + 1).prefix { !" ,]}\t".unicodeScalars.contains($0) }))
        return name.isEmpty ? nil : name
    }

    /// Where a duplicated key is written the second time: Yams reports only the first.
    ///
    /// In block style the second key starts at the same column, on a later line, before the
    /// mapping ends (a line indented less); in flow style it follows on the same or a later line.
    static func locateDuplicate(_ key: String, after first: SourceLocation, lines: [[Unicode.Scalar]]) -> SourceLocation? {
        let row = first.line - 1, col = first.column - 1
        guard row >= 0, row < lines.count, col <= lines[row].count else { return nil }
        let keyScalars = Array(key.unicodeScalars)
        func keyStarts(_ line: [Unicode.Scalar], at index: Int) -> Bool {
            for quote: [Unicode.Scalar] in [[], ["\""], ["'"]] {
                let candidate = quote + keyScalars + quote
                guard index + candidate.count <= line.count, Array(line[index..<(index + candidate.count)]) == candidate else { continue }
                let rest = line[(index + candidate.count)...].drop { $0 == " " }
                if rest.first == ":" { return true }
            }
            return false
        }
        let isBlock = lines[row].prefix(col).allSatisfy { $0 == " " || $0 == "-" }
        if isBlock {
            for r in (row + 1)..<lines.count {
                let line = lines[r]
                let indent = line.prefix { $0 == " " || $0 == "-" }.count
                if indent == line.count || line[indent] == "#" { continue }
                if indent < col { return nil }
                if indent == col, keyStarts(line, at: col) { return SourceLocation(file: first.file, line: r + 1, column: col + 1) }
            }
            return nil
        }
        var r = row, c = col + keyScalars.count
        while r < lines.count {
            let line = lines[r]
            while c < line.count {
                let before = c == 0 ? " " : line[c - 1]
                if before == " " || before == "{" || before == ",", keyStarts(line, at: c) {
                    return SourceLocation(file: first.file, line: r + 1, column: c + 1)
                }
                c += 1
            }
            r += 1
            c = 0
        }
        return nil
    }

    static func locationOf(offset: Int, in text: String, path: String) -> SourceLocation {
        var line = 1
        var column = 1
        for (index, byte) in text.utf8.enumerated() {
            if index >= offset { break }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: path, line: line, column: column)
    }

    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: break loop
            case .error: return offset
            }
        }
        return offset
    }

    static func describeInvalidUTF8(_ bytes: [UInt8]) -> String {
        let offset = firstInvalidUTF8Offset(bytes)
        guard offset < bytes.count else { return "truncated character at the end" }
        return String(format: "invalid byte 0x%02X at offset %d", bytes[offset], offset)
    }

    static func locationOfInvalidUTF8(_ bytes: [UInt8], path: String) -> SourceLocation {
        let offset = firstInvalidUTF8Offset(bytes)
        let prefix = String(decoding: bytes[..<min(offset, bytes.count)], as: UTF8.self)
        return locationOf(offset: prefix.utf8.count, in: prefix + " ", path: path)
    }
}
