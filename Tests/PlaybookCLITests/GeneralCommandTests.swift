import Foundation
import PlaybookCore
import Testing

/// `schema`, `--version` and `--help`: exit 0, output on stdout, nothing on stderr.
@Suite struct GeneralCommandTests {
    @Test func schemaPrintsJSON() async throws {
        let run = try await PlaybookBinary.run(["schema"])
        #expect(run.status == 0)
        #expect(run.stderr == "")
        let parsed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        #expect(parsed is [String: Any])
    }

    @Test func versionPrintsTheVersion() async throws {
        let run = try await PlaybookBinary.run(["--version"])
        #expect(run.status == 0)
        // A development build has no commit; scripts/release stamps it (checked by scripts/release-check).
        #expect(run.stdout == PlaybookInfo.version + " (development build, commit unknown)\n")
        #expect(run.stderr == "")
    }

    @Test(arguments: [["--help"], ["-h"], ["help"], ["validate", "--help"]])
    func helpExitsZero(_ arguments: [String]) async throws {
        let run = try await PlaybookBinary.run(arguments)
        #expect(run.status == 0)
        #expect(run.stdout.contains("USAGE: playbook"))
        #expect(run.stderr == "")
    }

    @Test func rootHelpListsTheCommands() async throws {
        let run = try await PlaybookBinary.run(["--help"])
        #expect(run.stdout.contains("validate"))
        #expect(run.stdout.contains("schema"))
    }
}
