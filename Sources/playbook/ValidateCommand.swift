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
        let files: [String]
        do {
            files = try PlaybookFiles.expand(paths, scenarios: false)
        } catch {
            throw UsageError(error.description)
        }
        if files.isEmpty { throw UsageError("no playbooks found in \(paths.joined(separator: ", "))") }
        // Contacts files are read whole here, every row checked (databases too, by content).
        let options = CheckOptions(checkEnvironment: checkEnvironment, environment: ProcessInfo.processInfo.environment, dataFiles: .whole,
                                   contactsOpener: .standard)
        var diagnostics: [Diagnostic] = []
        var sources: [String: SourceFile] = [:]
        var invalid = 0
        for file in files {
            let result: PlaybookLoader.Result
            do {
                result = try PlaybookLoader.load(path: file, options: options)
            } catch {
                throw UsageError(error.description)
            }
            diagnostics += result.diagnostics
            if let source = result.source { sources[file] = source }
            if !result.isValid { invalid += 1 }
        }
        let renderer = DiagnosticRenderer(format: format, terminal: format == .text && Output.stderrIsTerminal, sources: sources)
        // Annotations and the JSON document are for machines: stdout. Text is for people: stderr.
        if format == .json || format == .github {
            Output.write(renderer.render(diagnostics))
        } else {
            Output.writeError(renderer.render(diagnostics))
        }
        if format == .text {
            let summary = invalid == 0
                ? "\(files.count) playbook\(files.count == 1 ? "" : "s") valid"
                : "\(invalid) of \(files.count) playbook\(files.count == 1 ? "" : "s") invalid"
            Output.writeError(summary + "\n")
        }
        if invalid > 0 { throw ExitCode(1) }
    }
}

extension DiagnosticFormat: ExpressibleByArgument {}
