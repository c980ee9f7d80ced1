import ArgumentParser
import Foundation
import PlaybookCore
import PlaybookEngine

/// `playbook approve FILE STEP [--deny]`: decides the pending approval of STEP in the playbook's
/// active incident; the waiting run sees it within seconds. Exit 0 decided, 1 nothing to decide
/// (unknown step, no incident, already decided, expired) or an invalid playbook, 2 usage or I/O.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve (or with --deny, deny) the pending approval of a step in the playbook's active incident."
    )

    @Argument(help: "The playbook file.")
    var file: String

    @Argument(help: "The id of the approve step.")
    var step: String

    @Flag(help: "Deny instead of approving.")
    var deny = false

    @Option(help: ArgumentHelp("Who decides, for the journal (default: your login name).", valueName: "NAME"))
    var by: String?

    @OptionGroup var stateOptions: StateOptions

    func run() async throws {
        let (playbook, _) = try LoadedPlaybook.load(file)
        let decision: Approvals.Decision = deny ? .deny : .approve
        let decided = try await stateOptions.withJournal(besides: file) { journal -> Result<ApprovalRecord, Approvals.Refusal> in
            do {
                return .success(
                    try await Approvals.decide(decision, step: step, playbook: playbook, journal: journal, by: Approvals.cliDecider(by: by), now: Date()))
            } catch let refusal as Approvals.Refusal {
                return .failure(refusal)
            } catch let usage as UsageError {
                throw usage
            } catch {
                throw UsageError("\(error)")
            }
        }
        switch decided {
        case .success(let record): Output.writeError("\(record.status.rawValue) '\(step)' of incident \(record.incident)\n")
        case .failure(let refusal):
            Output.error(refusal.description)
            throw ExitCode(1)
        }
    }
}
