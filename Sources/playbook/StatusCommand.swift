import ArgumentParser
import Foundation
import PlaybookCore
import PlaybookEngine

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Active incidents: their steps, delivery counts and failures.")

    @Argument(help: "A playbook, to find its state beside it (optional with --state or PLAYBOOK_STATE).")
    var file: String?

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "text or json.")
    var format: ReportFormat = .text

    func run() async throws {
        // A playbook named and readable narrows the list to its incidents; one that is not still finds the state.
        let name = file.flatMap { try? PlaybookLoader.load(path: $0).playbook }?.name.value
        Output.write(
            try await stateOptions.withJournal(besides: file) { journal in
                let incidents = try await journal.incidents(unfinishedOnly: true).filter { name == nil || $0.playbook == name }
                return try await IncidentReportRenderer(format: format).render(incidents, from: journal, empty: "no active incidents")
            })
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Every incident in the state database, newest first.")

    @Argument(help: "A playbook, to find its state beside it (optional with --state or PLAYBOOK_STATE).")
    var file: String?

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "text or json.")
    var format: ReportFormat = .text

    @Option(help: "How many incidents to show.")
    var limit = 20

    func run() async throws {
        Output.write(
            try await stateOptions.withJournal(besides: file) { journal in
                try await IncidentReportRenderer(format: format).render(try await journal.incidents(limit: limit), from: journal, empty: "no incidents yet")
            })
    }
}

extension ReportFormat: ExpressibleByArgument {}
