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
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard bytes.count <= Self.maximumBytes else {
            return .failure(.error("file is over 1 MiB (the limit is \(Self.maximumBytes) bytes); a playbook should be far smaller", at: start), nil)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(.error("file is not valid UTF-8 (\(Self.describeInvalidUTF8(bytes)))", at: Self.locationOfInvalidUTF8(bytes, path: path)), nil)
        }
        let source = SourceFile(path: path, text: text)
        do {
            Self.lowerLibyamlNestingLimit
            let protected = Self.protectEnvironmentReferences(text)
            let parser = try Parser(yaml: protected ?? text, resolver: .basic, constructor: .default, encoding: .utf8)
            guard let root = try parser.nextRoot() else {
                return .failure(.error("file is empty: a playbook needs at least 'version', 'playbook', 'triggers' and 'steps'", at: start), source)
            }
            if let second = try parser.nextRoot() {
                let at = second.mark.map { SourceLocation(file: path, line: $0.line, column: $0.column) } ?? start
                return .failure(.error("file holds more than one YAML document; a playbook is exactly one (remove the '---' separator)", at: at), source)
            }
            var budget = Budget(restoresBraces: protected != nil)
            let tree = try convert(root, path: path, depth: 1, budget: &budget)
            return .document(tree, source)
        } catch let failure as LoadFailure {
            return .failure(failure.diagnostic, source)
        } catch let error as YamlError {
            return .failure(Self.diagnostic(for: error, path: path), source)
        } catch {
            return .failure(.error("cannot read YAML: \(error)", at: start), source)
        }
    }

    // MARK: - Conversion

    private struct Budget {
        var nodes = 0
        var restoresBraces: Bool
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
        guard text.contains("${env."), !text.unicodeScalars.contains(where: { $0 == openBrace || $0 == closeBrace }) else { return nil }
        var scalars = Array(text.unicodeScalars)
        var i = 0
        var changed = false
        while i + 6 < scalars.count {
            if scalars[i] == "$", scalars[i + 1] == "{", String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 6)])) == "env." {
                var j = i + 6
                while j < scalars.count, scalars[j] == "_" || (scalars[j].isASCII && (scalars[j].properties.isAlphabetic || ("0"..."9").contains(scalars[j]))) { j += 1 }
                if j < scalars.count, scalars[j] == "}", j > i + 6 {
                    scalars[i + 1] = openBrace
                    scalars[j] = closeBrace
                    changed = true
                    i = j
                }
            }
            i += 1
        }
        return changed ? String(String.UnicodeScalarView(scalars)) : nil
    }

    static func restoreBraces(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == openBrace || $0 == closeBrace }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == openBrace ? "{" : ($0 == closeBrace ? "}" : $0) }))
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
            throw LoadFailure(diagnostic: .error("document expands to more than \(Self.maximumNodes) nodes (aliases expanding recursively?); refusing to load it", at: at))
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
            return YAMLNode(.scalar(budget.restoresBraces ? Self.restoreBraces(scalar.string) : scalar.string, style: style), at: at)
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
                throw LoadFailure(diagnostic: .error("mapping keys must be plain text, found a collection as a key", at: keyAt))
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
        let ownKeys = Set(own.map(\.key.value))
        return own + merged.filter { !ownKeys.contains($0.key.value) }
    }

    // MARK: - Errors

    private static let lowerLibyamlNestingLimit: Void = {
        yaml_set_max_nest_level(Int32(maximumDepth * 2))
    }()

    static func diagnostic(for error: YamlError, path: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        func describe(_ context: YamlError.Context?, _ problem: String) -> String {
            var message = problem
            if problem.contains("Maximum nesting level") {
                message = "document is nested deeper than \(maximumDepth) levels"
            } else if let context, !context.text.isEmpty {
                message = "\(problem) \(context.text)"
            }
            return "YAML syntax error: \(message)"
        }
        switch error {
        case let .scanner(context, problem, mark, _): return .error(describe(context, problem), at: at(mark))
        case let .parser(context, problem, mark, _): return .error(describe(context, problem), at: at(mark))
        case let .composer(context, problem, mark, _): return .error(describe(context, problem), at: at(mark))
        case let .duplicatedKeysInMapping(duplicates, context):
            return .error("duplicate key '\(duplicates.first ?? "")' in a mapping", at: at(context.mark))
        case let .reader(problem, offset, _, yaml):
            var location = SourceLocation(file: path, line: 1, column: 1)
            if let offset { location = locationOf(offset: offset, in: yaml, path: path) }
            return .error("cannot read the file: \(problem)", at: location)
        default:
            return .error("cannot read YAML: \(error)", at: SourceLocation(file: path, line: 1, column: 1))
        }
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
