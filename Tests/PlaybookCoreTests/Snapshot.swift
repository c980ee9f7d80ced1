import Foundation
import Testing

/// Golden files of whole outputs, checked in under `Snapshots/`: a change of wording or layout
/// shows up as a diff in review instead of slipping past assertions on fragments.
///
/// After a deliberate change, rewrite them with
/// `PLAYBOOK_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests` and review `git diff`.
enum Snapshot {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    static var updating: Bool { ProcessInfo.processInfo.environment["PLAYBOOK_UPDATE_SNAPSHOTS"] == "1" }

    /// Compares `actual` with the golden file `name` (a path under `Snapshots/`), or rewrites the
    /// golden when updating. A difference fails the test with the lines that differ.
    static func check(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appendingPathComponent(name)
        if updating {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("no snapshot Snapshots/\(name): record it with PLAYBOOK_UPDATE_SNAPSHOTS=1", sourceLocation: sourceLocation)
            return
        }
        if actual != expected {
            Issue.record(
                "Snapshots/\(name) differs (- golden, + now):\n\(diff(from: expected, to: actual))\nIf the change is intended, rewrite it with PLAYBOOK_UPDATE_SNAPSHOTS=1.",
                sourceLocation: sourceLocation)
        }
    }

    /// The lines removed from `old` and inserted in `new`, with their line numbers (at most 60).
    static func diff(from old: String, to new: String) -> String {
        let before = old.components(separatedBy: "\n")
        let after = new.components(separatedBy: "\n")
        var lines: [(line: Int, order: Int, text: String)] = []
        for change in after.difference(from: before) {
            switch change {
            case .remove(let offset, let text, _): lines.append((offset + 1, 0, "-\(offset + 1): \(text)"))
            case .insert(let offset, let text, _): lines.append((offset + 1, 1, "+\(offset + 1): \(text)"))
            }
        }
        let sorted = lines.sorted { ($0.line, $0.order) < ($1.line, $1.order) }.map(\.text)
        return (sorted.prefix(60) + (sorted.count > 60 ? ["… \(sorted.count - 60) more"] : [])).joined(separator: "\n")
    }
}
