@testable import PlaybookCore
import Testing

/// The brace swap that keeps `{ token: ${env.X} }` loadable (docs/decisions.md): only well-formed
/// references are touched, one character for one, so that lines and columns stay exact.
@Suite struct EnvironmentReferenceTests {
    static let open = "\u{E000}", close = "\u{E001}"

    @Test(arguments: [
        ("token: ${env.X_TOKEN}", "token: $\(open)env.X_TOKEN\(close)"),
        ("{ a: ${env.A}, b: ${env.B2} }", "{ a: $\(open)env.A\(close), b: $\(open)env.B2\(close) }"),
        ("é😀 x: ${env.Émoji} ${env.OK}", "é😀 x: ${env.Émoji} $\(open)env.OK\(close)"),
        ("u: \"Bearer ${env.T}\"\n", "u: \"Bearer $\(open)env.T\(close)\"\n"),
        ("${env.A}", "$\(open)env.A\(close)"),
    ])
    func swapsWellFormedReferences(_ input: String, _ expected: String) {
        let protected = YAMLDocumentLoader.protectEnvironmentReferences(input)
        #expect(protected == expected)
        #expect(protected?.count == input.count, "one character for one")
        #expect(protected.map(YAMLDocumentLoader.restoreBraces) == input)
    }

    @Test(arguments: ["no references", "${env.}", "${env.A", "${ env.A }", "${env.A-B}", "$env.A}", "x: ${env.A} \u{E000}", "", "${env"])
    func leavesOtherTextAlone(_ input: String) {
        #expect(YAMLDocumentLoader.protectEnvironmentReferences(input) == nil)
    }

    @Test func flowMappingWithUnquotedReferenceLoadsWithExactColumns() {
        let text = "version: 1\nx: { type: x, token: ${env.X_TOKEN} }\n"
        guard case .document(let root, _) = YAMLDocumentLoader().load(bytes: Array(text.utf8), path: "f.yaml") else {
            Issue.record("did not load")
            return
        }
        let token = root.entries?.first { $0.key.value == "x" }?.value.entries?.first { $0.key.value == "token" }?.value
        #expect(token?.scalarText == "${env.X_TOKEN}")
        #expect(token?.location.line == 2)
        #expect(token?.location.column == 22)
    }
}
