import Foundation
import Testing

/// `playbook validate` as CI runs it: exact stdout, stderr and exit code (§9 of the contract).
@Suite struct ValidateCommandTests {
    @Test func validFileExitsZeroWithSummaryOnStderr() async throws {
        let workspace = try Workspace(["ok.yaml": CLIFixtures.valid])
        let run = try await workspace.run(["validate", "ok.yaml"])
        #expect(run.status == 0)
        #expect(run.stdout == "")
        #expect(run.stderr == "1 playbook valid\n")
    }

    @Test func invalidFileListsEachDiagnosticWithItsLocation() async throws {
        let workspace = try Workspace(["broken.yaml": CLIFixtures.invalid])
        let run = try await workspace.run(["validate", "broken.yaml"])
        #expect(run.status == 1)
        #expect(run.stdout == "")
        let expected = CLIFixtures.invalidDiagnostics.map { "broken.yaml:\($0.line):\($0.column): error: \($0.message)" } + ["1 of 1 playbook invalid"]
        #expect(run.stderrLines == expected)
    }

    /// Standard error is a file here, not a terminal: no ANSI colour, no source line, no caret.
    @Test func noColourOrCaretWhenNotATerminal() async throws {
        let workspace = try Workspace(["broken.yaml": CLIFixtures.invalid])
        let run = try await workspace.run(["validate", "broken.yaml"])
        #expect(!run.stderr.contains("\u{1B}"))
        #expect(!run.stderrLines.contains { $0.trimmingCharacters(in: .whitespaces) == "^" })
        #expect(!run.stderr.contains("now.hour == 'x'\"\n"), "the source line is not echoed")
    }

    @Test func jsonFormatPrintsOnlyAnArrayOnStdout() async throws {
        let workspace = try Workspace(["broken.yaml": CLIFixtures.invalid])
        let run = try await workspace.run(["validate", "--format", "json", "broken.yaml"])
        #expect(run.status == 1)
        #expect(run.stderr == "")
        let parsed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        let items = try #require(parsed as? [[String: Any]])
        #expect(items.count == CLIFixtures.invalidDiagnostics.count)
        for (item, expected) in zip(items, CLIFixtures.invalidDiagnostics) {
            #expect(Set(item.keys) == ["file", "line", "column", "severity", "message"])
            #expect(item["file"] as? String == "broken.yaml")
            #expect(item["line"] as? Int == expected.line)
            #expect(item["column"] as? Int == expected.column)
            #expect(item["severity"] as? String == "error")
            #expect(item["message"] as? String == expected.message)
        }
    }

    @Test func jsonFormatOfAValidFileIsAnEmptyArray() async throws {
        let workspace = try Workspace(["ok.yaml": CLIFixtures.valid])
        let run = try await workspace.run(["validate", "ok.yaml", "--format", "json"])
        #expect(run.status == 0)
        #expect(run.stderr == "")
        let parsed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        #expect((parsed as? [Any])?.isEmpty == true)
    }

    @Test func githubFormatPrintsAnnotations() async throws {
        let workspace = try Workspace(["broken.yaml": CLIFixtures.invalid])
        let run = try await workspace.run(["validate", "--format", "github", "broken.yaml"])
        #expect(run.status == 1)
        #expect(run.stderr == "", "annotations go to stdout, where GitHub and the action read them")
        let expected = CLIFixtures.invalidDiagnostics.map { "::error file=broken.yaml,line=\($0.line),col=\($0.column)::\($0.message)" }
        #expect(run.stdout.split(separator: "\n").map(String.init) == expected)
    }

    /// Workflow-command properties escape ',' and ':' (a file name with a comma stays one property).
    @Test func githubFormatEscapesTheFileProperty() async throws {
        let workspace = try Workspace(["a,b.yaml": CLIFixtures.invalid])
        let run = try await workspace.run(["validate", "--format", "github", "a,b.yaml"])
        #expect(run.status == 1)
        #expect(run.stdout.split(separator: "\n").first == "::error file=a%2Cb.yaml,line=8,col=22::in the 'if' of step 'a': cannot compare a number with text")
    }

    /// Directories are searched recursively; scenario files (`*.test.yaml`), hidden folders and
    /// other files are skipped.
    @Test func directoryIsSearchedRecursivelySkippingScenarios() async throws {
        let workspace = try Workspace([
            "playbooks/valid.yaml": CLIFixtures.valid,
            "playbooks/more/deeper/also-valid.yml": CLIFixtures.valid.replacingOccurrences(of: "playbook: small", with: "playbook: also"),
            "playbooks/valid.test.yaml": CLIFixtures.scenario,
            "playbooks/.hidden/broken.yaml": CLIFixtures.invalid,
            "playbooks/notes.txt": "not yaml: [",
        ])
        let run = try await workspace.run(["validate", "playbooks"])
        #expect(run.status == 0)
        #expect(run.stdout == "")
        #expect(run.stderr == "2 playbooks valid\n")
    }

    @Test func directoryWithAnInvalidPlaybookFails() async throws {
        let workspace = try Workspace([
            "playbooks/a-valid.yaml": CLIFixtures.valid,
            "playbooks/sub/broken.yaml": CLIFixtures.invalid,
        ])
        let run = try await workspace.run(["validate", "playbooks/"])
        #expect(run.status == 1)
        #expect(run.stderrLines.first == "playbooks/sub/broken.yaml:8:22: error: in the 'if' of step 'a': cannot compare a number with text")
        #expect(run.stderrLines.last == "1 of 2 playbooks invalid")
    }

    @Test func missingFileIsAnIOErrorOnOneLine() async throws {
        let workspace = try Workspace([:])
        let run = try await workspace.run(["validate", "nope.yaml"])
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr == "playbook: error: nope.yaml: no such file or directory\n")
    }

    @Test(arguments: [
        ["validate", "--bogus", "x.yaml"],
        ["validate"],
        ["validate", "--format", "xml", "x.yaml"],
        ["frobnicate"],
    ])
    func usageErrorsExitTwoWithOneLine(_ arguments: [String]) async throws {
        let workspace = try Workspace(["x.yaml": CLIFixtures.valid])
        let run = try await workspace.run(arguments)
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.hasPrefix("playbook: error: "))
    }

    @Test func badFlagIsNamedInTheMessage() async throws {
        let workspace = try Workspace(["x.yaml": CLIFixtures.valid])
        let run = try await workspace.run(["validate", "--bogus", "x.yaml"])
        #expect(run.stderr.contains("--bogus"))
    }
}
