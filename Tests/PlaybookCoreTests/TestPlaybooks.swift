import Foundation
import PlaybookCore
import Testing

/// Builds playbooks from YAML text for tests; fails the test on any error diagnostic.
enum TestPlaybooks {
    static func load(_ yaml: String, path: String = "test.yaml", sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Playbook? {
        let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: path)
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map { "\($0.location): \($0.message)" })", sourceLocation: sourceLocation)
        return result.playbook
    }

    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    /// The repository root (for the shipped playbooks).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
