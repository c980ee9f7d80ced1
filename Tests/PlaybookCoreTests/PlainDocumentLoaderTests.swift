import Foundation
@testable import PlaybookCore
import Testing

/// The libyaml-event fast path must build exactly the tree the Yams path builds, and give way to
/// it for everything it does not handle (so every diagnostic stays the Yams path's).
@Suite struct PlainDocumentLoaderTests {
    static func describe(_ outcome: YAMLDocumentLoader.Outcome) -> String {
        switch outcome {
        case .document(let root, _): return describe(root)
        case .failure(let diagnostic, _): return "failure \(diagnostic.location): \(diagnostic.message)"
        }
    }

    static func describe(_ node: YAMLNode) -> String {
        let at = "@\(node.location.line):\(node.location.column)"
        switch node.kind {
        case .scalar(let text, let style):
            let layout = node.textLayout.map { " layout \($0.runs.map { "\($0.offset)@\($0.line):\($0.column)" })" } ?? ""
            return "\(style)\(at)\(text.debugDescription)\(layout)\(node.isTextMappable ? "" : " unmappable")"
        case .sequence(let items): return "[\(at) " + items.map(describe).joined(separator: ", ") + "]"
        case .mapping(let entries):
            return "{\(at) " + entries.map { "\($0.key.value.debugDescription)@\($0.key.location.line):\($0.key.location.column): \(describe($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    static func bothWays(_ text: String) -> (fast: String, yams: String) {
        let loader = YAMLDocumentLoader()
        return (describe(loader.load(bytes: Array(text.utf8), path: "f.yaml")), describe(loader.load(bytes: Array(text.utf8), path: "f.yaml", plainFastPath: false).outcome))
    }

    static let documents: [String] = [
        "version: 1\nplaybook: x\n",
        "a: 'single'\nb: \"double \\u00e9\"\nc: |\n  literal\n  block\nd: >\n  folded\n  text\ne: ~\nf:\ng: [1, 2, {h: i}]\n",
        "x: { type: x, token: ${env.X_TOKEN} }\ny: \"${env.Y}\"\n",
        "é😀: 'ünïcode 😀'\nlist:\n  - a\n  -   b\n  - - nested\n",
        "base: &b { a: 1 }\nuse: *b\n",
        "base: &b { a: 1 }\nuse:\n  <<: *b\n  c: 2\n",
        "a: 1\na: 2\n",
        "? [complex]\n: key\n",
        "a: 1\n---\nb: 2\n",
        "a: [unclosed\n",
        "",
        "# only a comment\n",
        "a: *nowhere\n",
        "'1': quoted\n1: plain\n",
        "a: !!str 5\nb: !custom x\n",
        String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
        "key: \"tab\\tand \\u00e9 escapes\"\n",
        "a: 'it''s'\nb: \"say \\\"hi\\\"\"\nc: plain text here   \nd: \"two\n  lines\"\ne: plain\n  folded\n",
        "if: \"now.hour == 'x'\"\nt: |\n  Hi {{ contact.name }}\n  bye\nu: >-\n    folded {{ x }}\n    more\nv: |2\n    indented\n",
        "\u{FEFF}a: 1\r\nb: 'crlf'\r\n",
        "x: { token: ${env.T}, y: \"é ${env.U}\" }\n",
        "k: é plain\nl: 'é quoted'\nm: x\t# tab before a comment\n",
    ]

    @Test(arguments: documents)
    func fastPathMatchesYams(_ text: String) {
        let (fast, yams) = Self.bothWays(text)
        #expect(fast == yams)
    }

    @Test func fastPathTakesPlainDocumentsAndLeavesTheRest() {
        #expect(YAMLDocumentLoader.loadPlainDocument("a: [1, {b: c}]\n", path: "f.yaml", restoresBraces: false) != nil)
        for text in ["a: &x 1\nb: *x\n", "a: 1\na: 2\n", "a: 1\n---\nb: 2\n", "a: [\n", "<<: {a: 1}\n"] {
            #expect(YAMLDocumentLoader.loadPlainDocument(text, path: "f.yaml", restoresBraces: false) == nil, "\(text)")
        }
    }

    @Test func everyShippedPlaybookMatches() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("playbooks")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!names.isEmpty)
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let (fast, yams) = Self.bothWays(text)
            #expect(fast == yams, "\(name)")
        }
    }

    /// Every fixture of the corpora, valid and invalid: same tree, or same failure, both ways.
    @Test func everyFixtureMatches() throws {
        let root = URL(fileURLWithPath: FixtureTests.root)
        var compared = 0
        for folder in try FileManager.default.contentsOfDirectory(atPath: root.path) {
            let directory = root.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasSuffix(".yaml") {
                let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
                let loader = YAMLDocumentLoader()
                let fast = Self.describe(loader.load(bytes: bytes, path: name))
                let yams = Self.describe(loader.load(bytes: bytes, path: name, plainFastPath: false).outcome)
                #expect(fast == yams, "\(folder)/\(name)")
                compared += 1
            }
        }
        #expect(compared > 50)
    }

    @Test func manyKeysAndDuplicatesFarApart() {
        let many = (0..<40).map { "k\($0): \($0)\n" }.joined()
        #expect(Self.bothWays(many).fast == Self.bothWays(many).yams)
        let duplicate = many + "k3: again\n"
        let (fast, yams) = Self.bothWays(duplicate)
        #expect(fast == yams)
        #expect(fast.hasPrefix("failure"))
    }
}

/// The loader's line splitting, against the obvious scalar-by-scalar reading.
@Suite struct LoaderLinesTests {
    static func reference(_ text: String) -> [[Unicode.Scalar]] {
        var lines: [[Unicode.Scalar]] = [[]]
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                if lines[lines.count - 1].last == "\r" { lines[lines.count - 1].removeLast() }
                lines.append([])
            } else {
                lines[lines.count - 1].append(scalar)
            }
        }
        return lines
    }

    @Test(arguments: ["", "a", "a\n", "\n\n", "a\r\nb\r\n", "a\rb\n", "é😀\nx\u{301}\r\n\r", "\r\n"])
    func splitsLikeTheReference(_ text: String) {
        #expect(YAMLDocumentLoader.lines(of: text) == Self.reference(text))
    }
}
