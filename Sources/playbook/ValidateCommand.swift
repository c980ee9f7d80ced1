import ArgumentParser
import Foundation
import PlaybookCore
import PlaybookEngine

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check playbooks: structure, types, references, expressions, templates, cycles and text lengths."
    )

    @Argument(help: "Playbook files, or directories to search for *.yaml (scenario files *.test.yaml are skipped).")
    var paths: [String]

    @Option(help: "Diagnostic format: text, github or json.")
    var format: DiagnosticFormat = .text

    @Flag(name: .customLong("env"), help: "Also check that every ${env.X} the playbooks use is set.")
    var checkEnvironment = false

    func run() throws {
        // Contacts files are read whole here, every row checked (databases too, by content).
        let options = CheckOptions(
            checkEnvironment: checkEnvironment, environment: ProcessInfo.processInfo.environment, dataFiles: .whole, contactsOpener: .standard)
        let batch: PlaybookBatch
        do { batch = try PlaybookBatch.load(paths, options: options) } catch { throw UsageError(error.description) }
        let rendered = DiagnosticRenderer(format: format, terminal: format == .text && Output.stderrIsTerminal, sources: batch.sources)
            .render(batch.diagnostics)
        // Annotations and the JSON document are for machines: stdout. Text is for people: stderr.
        if format == .text { Output.writeError(rendered + batch.validationSummary + "\n") } else { Output.write(rendered) }
        if !batch.isValid { throw ExitCode(1) }
    }
}

extension DiagnosticFormat: ExpressibleByArgument {}
