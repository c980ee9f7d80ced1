import Foundation
@testable import PlaybookCore
import PlaybookTestSupport
import Testing

/// An unquoted `${env.X}` inside `{ }` or `[ ]` is not YAML: it loads, with a warning at the value
/// that shows the quoted spelling; and every shipped playbook is plain YAML to another parser.
@Suite struct PlainYAMLTests {
    static let playbook = """
        version: 1
        playbook: flow-env
        triggers: [{ id: t, manual: {} }]
        channels:
          x: { type: x, token: ${env.X_TOKEN} }
          quoted: { type: x, token: "${env.X_TOKEN}" }
          block:
            type: x
            token: ${env.X_TOKEN}
        steps:
          - id: s
            post: { to: [x, quoted, block], text: "hi" }

        """

    @Test func unquotedReferenceInFlowMappingWarnsWithTheQuotedSpelling() {
        let result = PlaybookLoader.check(bytes: Array(Self.playbook.utf8), path: "flow.yaml")
        #expect(result.isValid)
        let warnings = result.diagnostics.filter { $0.severity == .warning && $0.message.contains("not YAML") }
        #expect(warnings.count == 1, "only the unquoted value inside { } (quoted and block-context values are YAML): \(result.diagnostics)")
        #expect(warnings.first?.location.line == 5)
        #expect(warnings.first?.location.column == 24)
        #expect(warnings.first?.message.contains(#"quote it: "${env.X_TOKEN}""#) == true)
    }

    @Test func theYamsPathFindsTheSamePlaces() {
        // A merge key sends the file down the Yams path; the warning must not depend on the path.
        let text = "base: &b { type: x }\n" + Self.playbook.replacingOccurrences(of: "  quoted: { type: x,", with: "  quoted: { <<: *b,")
        let loaded = YAMLDocumentLoader().load(bytes: Array(text.utf8), path: "f.yaml", plainFastPath: false)
        #expect(loaded.unquotedReferences.map(\.location.line) == [6])
        let fast = YAMLDocumentLoader().load(bytes: Array(Self.playbook.utf8), path: "f.yaml", plainFastPath: true)
        #expect(fast.unquotedReferences.map(\.location.line) == [5])
    }

    @Test func flowSequencesCountToo() {
        let text = "a: [${env.A}, \"${env.B}\"]\nb: ${env.C}\n"
        let loaded = YAMLDocumentLoader().loadWithWarnings(bytes: Array(text.utf8), path: "f.yaml")
        #expect(loaded.warnings.map(\.location.column) == [5])
    }

    /// Every shipped playbook and scenario loads with PyYAML's plain safe loader: no brace swap,
    /// no leniency (scripts/test installs PyYAML).
    @Test func shippedPlaybooksAreParsedByASecondYAMLParser() throws {
        let folder = "\(SchemaTests.repositoryRoot)/playbooks"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
        #expect(files.count >= 10)
        let script = "import sys, yaml\nbad = []\nfor path in sys.argv[1:]:\n    try:\n        yaml.safe_load(open(path, encoding='utf-8'))\n    except yaml.YAMLError as e:\n        bad.append(path + ': ' + str(e).replace('\\n', ' '))\nprint('\\n'.join(bad))\nsys.exit(1 if bad else 0)\n"
        let result = try SchemaTests.run(["python3", "-c", script] + files)
        #expect(result.status == 0, "not plain YAML:\n\(result.output)\(result.error)")
        #expect(!result.error.contains("No module named"), "PyYAML missing (scripts/test installs it)")
    }

    @Test func theProtectedSpellingWouldFailThatParser() throws {
        // The check above can fail: PyYAML refuses the unquoted form.
        let path = TestScratch.root.appendingPathComponent("unquoted-\(UUID().uuidString).yaml").path
        try "x: { token: ${env.X} }\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try SchemaTests.run(["python3", "-c", "import sys, yaml; yaml.safe_load(open(sys.argv[1]))", path])
        #expect(result.status != 0)
    }
}
