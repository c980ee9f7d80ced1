import Foundation
import PlaybookTestSupport
import Testing

/// `playbook init` as a new user meets it: from flags, or answering its questions on a terminal;
/// what it writes validates and its scenario passes; it never overwrites without --force.
@Suite struct InitCommandTests {
    @Test(arguments: [
        ["--platforms", "facebook,instagram,whatsapp"],
        ["--name", "creator", "--platforms", "tiktok", "--reach", "email,telegram", "--post-to", "x,bluesky,discord", "--timezone", "America/New_York"],
        ["--name", "shop", "--platforms", "instagram,shopify", "--reach", "sms,email,webhook", "--contacts", "exports/customers.csv", "--post-to", "mastodon,telegram,slack", "--ads", "meta,google"],
        ["--name", "ads", "--platforms", "facebook", "--reach", "none", "--ads", "meta"],
    ])
    func whatItWritesValidatesAndItsScenarioPasses(_ flags: [String]) async throws {
        let workspace = try Workspace([:])
        let initialized = try await workspace.run(["init"] + flags)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let name = flags.firstIndex(of: "--name").map { flags[$0 + 1] } ?? "outage"
        #expect(initialized.stderr.contains("wrote \(name).yaml, \(name).test.yaml, .env.example"))
        let validate = try await workspace.run(["validate", "\(name).yaml"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(!validate.stderr.contains("error"))
        let test = try await workspace.run(["test", "\(name).test.yaml"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect((test.stdout + test.stderr).contains("1 passed, 0 failed"))
        let example = try String(contentsOf: workspace.url.appendingPathComponent(".env.example"), encoding: .utf8)
        let playbook = try String(contentsOf: workspace.url.appendingPathComponent("\(name).yaml"), encoding: .utf8)
        for line in example.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(playbook.contains("\"${env.\(line.dropLast())}\""), "\(line) is read by the playbook")
        }
        // With every secret set, `validate --env` is clean: the example names them all.
        var environment: [String: String] = [:]
        for line in example.split(separator: "\n") where !line.hasPrefix("#") { environment[String(line.dropLast())] = "value-1234" }
        #expect(try await workspace.run(["validate", "--env", "\(name).yaml"], environment: environment).status == 0)
    }

    @Test func itNeverOverwritesWithoutForce() async throws {
        let workspace = try Workspace(["outage.yaml": "mine\n"])
        let again = try await workspace.run(["init"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("outage.yaml already exists in .; nothing written (--force overwrites)"))
        #expect(try String(contentsOf: workspace.url.appendingPathComponent("outage.yaml"), encoding: .utf8) == "mine\n")
        #expect(!FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent(".env.example").path))
        #expect(try await workspace.run(["init", "--force"]).status == 0)
        #expect(try String(contentsOf: workspace.url.appendingPathComponent("outage.yaml"), encoding: .utf8).contains("version: 1"))
    }

    @Test func aWrongAnswerInAFlagIsOneLineWithASuggestion() async throws {
        let workspace = try Workspace([:])
        let run = try await workspace.run(["init", "--platforms", "instagarm"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("'instagarm' is not a platform of the catalog; did you mean 'instagram'?"))
        #expect(run.stderrLines.count == 1)
    }

    /// On a terminal (a pseudo-terminal made by `script`), it asks; a wrong answer is asked again.
    @Test func onATerminalItAsksTheQuestions() async throws {
        let workspace = try Workspace([:])
        let binary = try PlaybookBinary.path.get()
        let answers = ["tiktok", "email,sms", "fans.csv", "x,mastodonn", "x,mastodon", "meta", "creator", "Europe/Rome"].joined(separator: "\n") + "\n"
        // The answers wait in the pipe; it stays open until `script` exits, since an early end of
        // its input could end the session before the questions are asked.
        let input = Pipe()
        let output = try OutputFile(in: TestScratch.root, "playbook-init-transcript")
        let process = try ChildProcess(
            "/usr/bin/script", ["-q", "-e", "-c", "\(binary) init", "/dev/null"], in: workspace.url, environment: PlaybookBinary.baseEnvironment,
            standardInput: input, standardOutput: output.handle, standardError: output.handle)
        input.fileHandleForWriting.write(Data(answers.utf8))
        let status = try await process.waitForExit(within: 60)
        try input.fileHandleForWriting.close()
        let transcript = output.text
        #expect(status == 0, "\(transcript)")
        #expect(transcript.contains("Which platforms does your business depend on?"))
        #expect(transcript.contains("'mastodonn' is not a network; did you mean 'mastodon'?"))
        let playbook = try String(contentsOf: workspace.url.appendingPathComponent("creator.yaml"), encoding: .utf8)
        #expect(playbook.contains("platforms: [tiktok]") && playbook.contains("timezone: Europe/Rome") && playbook.contains("contacts: fans.csv"))
        #expect(playbook.contains("type: meta_ads") && playbook.contains("to: [x, mastodon]") && playbook.contains("via: [email, sms]"))
        #expect(try await workspace.run(["test", "creator.test.yaml"]).status == 0)
    }
}
