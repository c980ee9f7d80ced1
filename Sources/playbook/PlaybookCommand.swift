import ArgumentParser
import Foundation
import PlaybookBuildInfo
import PlaybookCore

/// The `playbook` command: a thin shell over PlaybookCore. Each subcommand lives in its own file.
@main
struct PlaybookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playbook",
        abstract: "Validate, plan, test and run contingency playbooks for platform outages.",
        version: PlaybookCommand.versionText,
        subcommands: [ValidateCommand.self, PlanCommand.self, RunCommand.self, RecoverCommand.self, ApproveCommand.self, StatusCommand.self, HistoryCommand.self, TestCommand.self, WatchCommand.self, SchemaCommand.self, ChannelsCommand.self, InitCommand.self, ContactsCommand.self]
    )

    /// `playbook --version`: the version and the git commit of a release build, e.g.
    /// `0.1.0 (commit 8986c45a1b2c)`; a development build says it has none.
    static var versionText: String {
        let commit = String(cString: playbook_build_commit())
        return "\(PlaybookInfo.version) (\(commit.isEmpty ? "development build, commit unknown" : "commit \(commit)"))"
    }

    /// Runs the command with the exit codes of the contract: usage errors exit 2 (not
    /// ArgumentParser's 64), help and version exit 0.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if let exitCode = error as? ExitCode {
                Foundation.exit(exitCode.rawValue)
            }
            Output.error(fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)")
            Foundation.exit(2)
        }
    }
}
