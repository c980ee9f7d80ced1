import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// The load-and-check loop `validate` and `watch` share: which files count, how many are
/// refused, what the closing line says, and how a command's own admission rule joins in.
@Suite struct PlaybookBatchTests {
    static let valid = """
        version: 1
        playbook: NAME
        triggers: [{ id: by-hand, manual: {} }]
        steps: [{ id: s, log: { message: hi } }]

        """

    /// A folder of files, removed afterwards.
    struct Folder: ~Copyable {
        let url = TestScratch.root.appendingPathComponent("batch-\(UUID().uuidString)")
        init(_ files: [String: String]) throws {
            for (name, text) in files {
                let file = url.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
            }
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    @Test func aFolderIsSearchedForPlaybooksAndScenarioFilesAreSkipped() throws {
        let folder = try Folder([
            "a.yaml": Self.valid.replacingOccurrences(of: "NAME", with: "a"),
            "nested/b.yml": Self.valid.replacingOccurrences(of: "NAME", with: "b"),
            "a.test.yaml": "not: a playbook",
        ])
        let batch = try PlaybookBatch.load([folder.url.path])
        #expect(batch.files == [folder.path("a.yaml"), folder.path("nested/b.yml")])
        #expect(batch.playbooks.map(\.name.value) == ["a", "b"])
        #expect(batch.isValid && batch.diagnostics.isEmpty)
        #expect(batch.validationSummary == "2 playbooks valid")
    }

    @Test func anInvalidFileIsCountedAndItsDiagnosticsKeptWithItsSource() throws {
        let folder = try Folder([
            "good.yaml": Self.valid.replacingOccurrences(of: "NAME", with: "good"), "bad.yaml": "version: 1\nplaybook: bad\ntriggers: []\nsteps: []\n",
        ])
        let batch = try PlaybookBatch.load([folder.url.path])
        #expect(batch.refused == 1 && !batch.isValid)
        #expect(batch.playbooks.map(\.name.value) == ["good"])
        #expect(batch.diagnostics.contains { $0.severity == .error && $0.location.file == folder.path("bad.yaml") && $0.location.line == 3 })
        #expect(batch.sources[folder.path("bad.yaml")] != nil)
        #expect(batch.validationSummary == "1 of 2 playbooks invalid")
    }

    @Test func oneFileIsCountedInTheSingular() throws {
        let folder = try Folder(["p.yaml": Self.valid.replacingOccurrences(of: "NAME", with: "p")])
        #expect(try PlaybookBatch.load([folder.path("p.yaml")]).validationSummary == "1 playbook valid")
    }

    @Test func aMissingPathOrAFolderWithoutPlaybooksIsUnreadable() throws {
        let folder = try Folder(["only.test.yaml": "x: 1"])
        #expect(throws: PlaybookBatch.Unreadable.self) { try PlaybookBatch.load([folder.path("nope.yaml")]) }
        do {
            _ = try PlaybookBatch.load([folder.url.path])
            Issue.record("a folder without playbooks loaded")
        } catch {
            #expect(error.description == "no playbooks found in \(folder.url.path)")
        }
    }

    @Test func theAdmissionRuleRefusesAValidPlaybookAndAddsItsDiagnostics() throws {
        let folder = try Folder([
            "a.yaml": Self.valid.replacingOccurrences(of: "NAME", with: "a"),
            "b.yaml": Self.valid.replacingOccurrences(of: "NAME", with: "b"),
        ])
        let batch = try PlaybookBatch.load([folder.url.path]) { playbook in
            PlaybookBatch.Admission(
                diagnostics: [.warning("admission of \(playbook.name.value)", at: playbook.location)], refused: playbook.name.value == "a")
        }
        #expect(batch.playbooks.map(\.name.value) == ["b"])
        #expect(batch.refused == 1)
        #expect(batch.diagnostics.map(\.message) == ["admission of a", "admission of b"])
    }
}
