import PlaybookCore
import Testing

/// Hostile inputs too large to keep as fixture files: each must end in exactly one clear error,
/// found quickly (a hang here is a test that never finishes, so no timing is asserted).
@Suite struct RobustnessTests {
    static func diagnostics(_ text: String) -> [Diagnostic] {
        PlaybookLoader.check(bytes: Array(text.utf8), path: "generated.yaml").diagnostics
    }

    static func billionLaughs(levels: Int, useAsKey: Bool = false) -> String {
        var lines = ["version: 1", "playbook: laughs", "lol0: &lol0 \"lol\""]
        for level in 1..<levels {
            lines.append("lol\(level): &lol\(level) [\(Array(repeating: "*lol\(level - 1)", count: 10).joined(separator: ", "))]")
        }
        if useAsKey { lines.append("? *lol\(levels - 1)\n: boom") }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func fileOverOneMebibyteIsRejected() {
        let padding = String(repeating: "# padding to make the file large\n", count: (1 << 20) / 32 + 2)
        let text = "version: 1\nplaybook: big\n" + padding
        #expect(text.utf8.count > 1 << 20)
        let found = Self.diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("over 1 MiB") == true)
        #expect(found.first?.severity == .error)
    }

    @Test func hundredThousandDeepFlowNestingIsRejected() {
        let depth = 100_000
        let text = "version: 1\nplaybook: deep\nvars:\n  deep: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let found = Self.diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.message == "document is nested deeper than 64 levels")
    }

    @Test func tenLevelBillionLaughsIsRejected() {
        let found = Self.diagnostics(Self.billionLaughs(levels: 10))
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("document expands to more than 10000 nodes") == true)
    }

    /// Yams hashes mapping keys to find duplicates: an alias bomb used as a key must be stopped first.
    @Test func billionLaughsAsMappingKeyIsRejected() {
        let found = Self.diagnostics(Self.billionLaughs(levels: 10, useAsKey: true))
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("document expands to more than 10000 nodes") == true)
    }

    @Test func smallAliasedCollectionAsKeyIsRejected() {
        let found = Self.diagnostics("version: 1\nplaybook: keys\nvars:\n  pair: &pair [a, b]\n  ? *pair\n  : value\n")
        #expect(found.count == 1)
        #expect(found.first?.message == "mapping keys must be plain text, found a collection as a key")
        #expect(found.first?.location.line == 5)
        #expect(found.first?.location.column == 5)
    }

    @Test func mergeKeyBombIsRejected() {
        var lines = ["version: 1", "playbook: merges", "m0: &m0 { a: 1 }"]
        for level in 1..<12 {
            lines.append("m\(level): &m\(level) { <<: [\(Array(repeating: "*m\(level - 1)", count: 10).joined(separator: ", "))], k\(level): 1 }")
        }
        let found = Self.diagnostics(lines.joined(separator: "\n") + "\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("document expands to more than 10000 nodes") == true)
    }

    /// Without anchors nothing expands: the message says the file is large, not that aliases are.
    @Test func manyNodesWithoutAliasesAreRejectedAsLarge() {
        let text = "version: 1\nplaybook: wide\nvars:\n  items: [" + (0..<12_000).map(String.init).joined(separator: ", ") + "]\n"
        let found = Self.diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("document has more than 10000 nodes") == true)
    }

    @Test func fiveHundredDeepBlockNestingIsRejected() {
        var text = "version: 1\nplaybook: deep\n"
        for level in 0..<500 { text += String(repeating: " ", count: level) + "k:\n" }
        let found = Self.diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.message == "document is nested deeper than 64 levels")
    }
}
