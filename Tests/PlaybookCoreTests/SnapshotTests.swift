import Foundation
import PlaybookCore
import Testing

/// Whole outputs against golden files (`Snapshot`): the plan of shipped and fixture playbooks
/// in every format, and the compiler-style diagnostics of broken playbooks with their source
/// line and caret. Everything that could vary is fixed: the incident's start, paths (relative to
/// the repository), no colour.
@Suite struct SnapshotTests {
    static let start = TestPlaybooks.date("2021-10-04T15:39:00Z")
    static let repository = TestPlaybooks.repository.path + "/"

    /// Playbooks whose plans are kept: two shipped examples (with contacts) and the contract's example.
    static let planned = ["playbooks/meta-outage.yaml", "playbooks/shop-down.yaml", "Tests/PlaybookCoreTests/Fixtures/valid/contract-example.yaml"]

    @Test(arguments: planned)
    func thePlanOfAPlaybookInEveryFormat(_ file: String) throws {
        let result = try PlaybookLoader.load(path: Self.repository + file)
        let playbook = try #require(result.playbook, "\(result.diagnostics.map { "\($0.location): \($0.message)" })")
        let plan = try Planner.plan(playbook, .init(start: Self.start))
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        for format in PlanFormat.allCases {
            let rendered = plan.rendered(format).replacingOccurrences(of: Self.repository, with: "")
            #expect(!rendered.contains(Self.repository.dropLast()), "no absolute path in the \(format) plan")
            try Snapshot.check(rendered, named: "plan/\(name).\(Self.suffix(format))")
        }
    }

    static func suffix(_ format: PlanFormat) -> String {
        switch format {
        case .text: return "txt"
        case .json: return "json"
        case .markdown: return "md"
        case .html: return "html"
        }
    }

    /// Broken playbooks of the fixture corpus, one of each kind of mistake: YAML syntax, a tab,
    /// an unknown key with a suggestion, an expression and a template that do not parse, a text
    /// too long for its network, several errors in one pass.
    static let broken = [
        "yaml-syntax-error", "yaml-tab-indentation", "unknown-top-level-key", "misspelt-action", "expr-parse-error-unclosed-paren",
        "expr-type-mismatch", "template-unclosed-tag", "post-too-long-x", "merge-key-unknown-key-reported-at-source", "several-errors-one-pass",
    ]

    /// `file:line:col: error: message`, then the source line and a caret under the column, as a
    /// terminal shows them (without the colour).
    @Test(arguments: broken)
    func theDiagnosticsOfABrokenPlaybookWithTheirCaret(_ name: String) throws {
        let path = FixtureTests.root + "/invalid/\(name).yaml"
        let result = PlaybookLoader.check(
            bytes: try PlaybookLoader.readFile(path), path: path, options: CheckOptions(checkEnvironment: false, dataFiles: .whole))
        #expect(!result.isValid)
        let renderer = DiagnosticRenderer(format: .text, terminal: true, sources: result.source.map { [path: $0] } ?? [:])
        let text = Self.withoutColour(renderer.render(result.diagnostics)).replacingOccurrences(of: FixtureTests.root + "/", with: "")
        #expect(text.contains("^"), "a caret under the column")
        try Snapshot.check(text, named: "diagnostics/\(name).txt")
    }

    static func withoutColour(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
    }
}
