import ArgumentParser
import Foundation
import PlaybookCore
import PlaybookEngine

/// `playbook contacts check FILE`: the audience summary of a playbook's contacts, so that an
/// export can be checked before the day it is needed.
struct ContactsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Check a playbook's contacts (a CSV, an SQLite database, or a Shopify, Mailchimp, Klaviyo or WooCommerce export).",
        subcommands: [ContactsCheckCommand.self]
    )
}

struct ContactsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Read the playbook's contacts whole and summarise them: rows, reachable by email, SMS and Telegram, per segment, and why the others are not, with their lines. Exit 0, 1 when the contacts have errors, 2 on usage or I/O errors."
    )

    @Argument(help: "The playbook file.")
    var file: String

    @Option(help: "Output format: text or json.")
    var format: SummaryFormat = .text

    enum SummaryFormat: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let (playbook, _) = try LoadedPlaybook.load(file)
        let summary: ContactsSummary
        do {
            summary = try ContactsSummary.read(playbook, opener: .standard)
        } catch {
            throw UsageError(error.description)
        }
        let diagnostics = summary.issues.diagnostics(file: summary.file)
        if format == .json {
            Output.writeError(DiagnosticRenderer(format: .text, terminal: false, sources: [:]).render(diagnostics))
            Output.write(summary.json.serialized(pretty: true) + "\n")
        } else {
            Output.writeError(DiagnosticRenderer(format: .text, terminal: false, sources: [:]).render(diagnostics))
            Output.write(summary.text)
        }
        if summary.issues.errorCount > 0 { throw ExitCode(1) }
    }
}
