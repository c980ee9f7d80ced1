import Foundation
import PlaybookCore
import Testing

/// The fixture corpora: every `valid/*.yaml` validates cleanly, and every `invalid/*.yaml` produces
/// exactly the diagnostics in its golden file `invalid/NAME.expected`.
///
/// Re-record golden files after a deliberate change of wording with
/// `PLAYBOOK_RECORD=1 swift test --filter FixtureTests`, then review the diff.
@Suite struct FixtureTests {
    static let root = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path
    /// The source tree's copy, where recording writes.
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func files(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? []
        return names.filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".test.yaml") }.sorted()
    }

    /// Loads a fixture with its path shown relative to the Fixtures folder, as goldens record it.
    /// The file is checked at its real path, so that data files beside it (contacts, calendars)
    /// are found whatever the working directory.
    static func diagnostics(_ folder: String, _ name: String) throws -> String {
        let path = "\(root)/\(folder)/\(name)"
        let bytes = try PlaybookLoader.readFile(path)
        let result = PlaybookLoader.check(bytes: bytes, path: path, options: CheckOptions(checkEnvironment: false, dataFiles: .whole))
        return DiagnosticRenderer(format: .text).render(result.diagnostics).replacingOccurrences(of: "\(root)/", with: "")
    }

    @Test(arguments: files("valid"))
    func validFixtureHasNoErrors(_ name: String) throws {
        let path = "\(Self.root)/valid/\(name)"
        let result = PlaybookLoader.check(bytes: try PlaybookLoader.readFile(path), path: path, options: CheckOptions(dataFiles: .whole))
        #expect(result.diagnostics.filter { $0.severity == .error } == [], "\(name)")
        #expect(result.isValid)
    }

    @Test func corpusIsLargeEnough() {
        #expect(Self.files("invalid").count >= 75)
        #expect(Self.files("valid").count >= 10)
    }

    @Test(arguments: files("invalid"))
    func invalidFixtureMatchesGolden(_ name: String) throws {
        let actual = try Self.diagnostics("invalid", name)
        let goldenName = name.replacingOccurrences(of: ".yaml", with: ".expected")
        if ProcessInfo.processInfo.environment["PLAYBOOK_RECORD"] != nil {
            try actual.write(toFile: "\(Self.sourceRoot)/invalid/\(goldenName)", atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: "\(Self.root)/invalid/\(goldenName)", encoding: .utf8)
        #expect(actual.contains(": error: "), "an invalid fixture must produce at least one error")
        #expect(actual == expected)
    }
}
