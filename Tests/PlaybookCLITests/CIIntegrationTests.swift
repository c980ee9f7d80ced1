import Foundation
import Testing

/// The GitHub Action's scripts and the pre-commit hooks, run as GitHub and pre-commit run them:
/// with the GitHub environment variables set, and through `pre-commit` itself on a sample
/// repository (scripts/test installs pre-commit from PyPI).
@Suite struct CIIntegrationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let valid = """
        version: 1
        playbook: good
        triggers: [{ id: down, platform_down: { platforms: [instagram] }, for: 3m }]
        steps: [{ id: note, log: { message: "{{ trigger.platform_names }} is down" } }]

        """
    static let scenario = """
        test: instagram down
        playbook: good.yaml
        at: 2021-10-04T15:39:00Z
        trigger: down
        expect:
          steps:
            note: { offset: 0s, runs: true }

        """
    static let invalid = "version: 1\nplaybook: bad\ntriggers: [{ id: t, manual: {} }]\nsteps: [{ id: s, log: { mesage: x } }]\n"

    /// Runs a program with a small environment in which `playbook` (the built binary) is on PATH.
    static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], withPlaybook: Bool = true
    ) async throws -> PlaybookBinary.Run {
        let binary = URL(fileURLWithPath: try PlaybookBinary.path.get()).deletingLastPathComponent().path
        var env = ["PATH": (withPlaybook ? "\(binary):" : "") + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "LANG": "C.UTF-8"]
        if let home = ProcessInfo.processInfo.environment["HOME"] { env["HOME"] = home }
        env.merge(environment) { $1 }
        return try await PlaybookBinary.runProgram("/usr/bin/env", arguments, in: directory, environment: env)
    }

    @Test func theActionValidatesTestsAndWritesThePlanToTheSummary() async throws {
        let workspace = try Workspace(["playbooks/good.yaml": Self.valid, "playbooks/good.test.yaml": Self.scenario])
        let summary = workspace.url.appendingPathComponent("summary.md"), output = workspace.url.appendingPathComponent("output.txt")
        let run = try await Self.run(
            ["bash", Self.repository.appendingPathComponent("action/run.sh").path], in: workspace.url,
            environment: [
                "GITHUB_STEP_SUMMARY": summary.path, "GITHUB_OUTPUT": output.path, "INPUT_PATHS": "playbooks", "INPUT_VALIDATE": "true",
                "INPUT_TEST": "true", "INPUT_JUNIT": "junit.xml", "INPUT_PLAN": "playbooks/good.yaml",
                "INPUT_PLAN_ARGS": "--at 2021-10-04T15:39:00Z --set trigger.platforms=instagram",
            ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("::group::playbook validate playbooks"))
        #expect((run.stdout + run.stderr).contains("1 passed, 0 failed"))
        let plan = try String(contentsOf: summary, encoding: .utf8)
        #expect(plan.contains("### Plan of `playbooks/good.yaml`"))
        #expect(plan.contains("| note |") || plan.contains("note"), "\(plan)")
        #expect(plan.contains("Instagram is down") || plan.contains("2021-10-04"), "\(plan)")
        #expect(FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("junit.xml").path))
        #expect(try String(contentsOf: output, encoding: .utf8) == "junit=junit.xml\n")
    }

    @Test func anInvalidPlaybookAnnotatesTheDiffAndFailsTheJob() async throws {
        let workspace = try Workspace(["playbooks/good.yaml": Self.valid, "playbooks/bad.yaml": Self.invalid])
        let summary = workspace.url.appendingPathComponent("summary.md")
        let run = try await Self.run(
            ["bash", Self.repository.appendingPathComponent("action/run.sh").path], in: workspace.url,
            environment: ["GITHUB_STEP_SUMMARY": summary.path, "INPUT_PATHS": "playbooks", "INPUT_TEST": "false", "INPUT_PLAN": "playbooks/bad.yaml"])
        #expect(run.status == 1)
        let annotation = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("::error file=playbooks/bad.yaml,line=4,col=") }, "\(run.stdout)")
        #expect(annotation.contains("mesage"))
        #expect(try String(contentsOf: summary, encoding: .utf8).contains("invalid, see the annotations"))
    }

    @Test func theInstallStepVerifiesTheChecksumAndPutsTheBinaryOnPath() async throws {
        let workspace = try Workspace([:])
        // A release folder as GitHub serves it, here as file:// (no network in tests).
        let name = "playbook-9.9.9-linux-\(Self.machine())"
        let stage = workspace.url.appendingPathComponent("stage/\(name)")
        try FileManager.default.createDirectory(at: stage, withIntermediateDirectories: true)
        // A stand-in binary: the step's work is the download, the checksum and PATH, and packing
        // the 140 MB debug build made this the slowest test of the suite.
        let standIn = stage.appendingPathComponent("playbook")
        try Data("#!/bin/sh\necho 'playbook 9.9.9'\n".utf8).write(to: standIn)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn.path)
        let releases = workspace.url.appendingPathComponent("releases")
        try FileManager.default.createDirectory(at: releases, withIntermediateDirectories: true)
        #expect(try await Self.run(["tar", "-C", workspace.url.appendingPathComponent("stage").path, "-czf", "releases/\(name).tar.gz", name], in: workspace.url).status == 0)
        #expect(try await Self.run(["sh", "-c", "cd releases && sha256sum \(name).tar.gz > \(name).tar.gz.sha256"], in: workspace.url).status == 0)
        let githubPath = workspace.url.appendingPathComponent("github_path")
        let environment = [
            "PLAYBOOK_VERSION": "9.9.9", "PLAYBOOK_DOWNLOAD_URL": "file://\(releases.path)", "GITHUB_PATH": githubPath.path,
            "RUNNER_TEMP": workspace.url.appendingPathComponent("runner").path,
        ]
        let install = try await Self.run(["bash", Self.repository.appendingPathComponent("action/install.sh").path], in: workspace.url, environment: environment, withPlaybook: false)
        #expect(install.status == 0, "\(install.stdout)\(install.stderr)")
        let added = try String(contentsOf: githubPath, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(FileManager.default.isExecutableFile(atPath: "\(added)/playbook"))

        // A tampered tarball is refused.
        try Data("not the release".utf8).write(to: releases.appendingPathComponent("\(name).tar.gz"))
        let tampered = try await Self.run(
            ["bash", Self.repository.appendingPathComponent("action/install.sh").path], in: workspace.url,
            environment: environment.merging(["RUNNER_TEMP": workspace.url.appendingPathComponent("runner2").path]) { $1 }, withPlaybook: false)
        #expect(tampered.status != 0)
        #expect(tampered.stdout.contains("::error::playbook 9.9.9: checksum mismatch"))
    }

    static func machine() -> String {
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: &info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The hooks through pre-commit itself, on a sample repository.
    @Test func thePreCommitHooksRunThroughPreCommit() async throws {
        let workspace = try Workspace(["playbooks/good.yaml": Self.valid, "playbooks/good.test.yaml": Self.scenario, "notes.yaml": "not: [a playbook\n"])
        let git = ["GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "PRE_COMMIT_HOME": workspace.url.appendingPathComponent(".cache").path]
        #expect(try await Self.run(["git", "init", "-q"], in: workspace.url).status == 0)
        #expect(try await Self.run(["git", "add", "-A"], in: workspace.url).status == 0)
        let tryRepo = ["python3", "-m", "pre_commit", "try-repo", Self.repository.path]
        let validate = try await Self.run(tryRepo + ["playbook-validate", "--all-files"], in: workspace.url, environment: git)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        #expect(validate.stdout.contains("playbook validate") && validate.stdout.contains("Passed"), "notes.yaml is not a playbook and is not checked")
        let test = try await Self.run(tryRepo + ["playbook-test", "--all-files"], in: workspace.url, environment: git)
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")

        try Data(Self.invalid.utf8).write(to: workspace.url.appendingPathComponent("playbooks/bad.yaml"))
        #expect(try await Self.run(["git", "add", "-A"], in: workspace.url).status == 0)
        let failing = try await Self.run(tryRepo + ["playbook-validate", "--all-files"], in: workspace.url, environment: git)
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("Failed") && failing.stdout.contains("playbooks/bad.yaml:4"), "\(failing.stdout)")
    }
}
