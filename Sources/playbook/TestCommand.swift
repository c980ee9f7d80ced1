import ArgumentParser
import Foundation
import PlaybookCore

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario files (*.test.yaml): replay observations, check when the incident fires and resolves and which steps run when."
    )

    @Argument(help: "Scenario files, or directories to search for *.test.yaml.")
    var paths: [String]

    @Option(help: "Also write a JUnit XML report to this file.")
    var junit: String?

    func run() throws {
        let files: [String]
        do {
            files = try PlaybookFiles.expand(paths, scenarios: true)
        } catch {
            throw UsageError(error.description)
        }
        if files.isEmpty { throw UsageError("no scenario files (*.test.yaml) found in \(paths.joined(separator: ", "))") }
        var reports: [ScenarioRunner.Report] = []
        for file in files {
            let report = ScenarioRunner.run(path: file)
            reports.append(report)
            Output.write("\(report.passed ? "PASS" : "FAIL")  \(report.name)  (\(file))\n")
            let renderer = DiagnosticRenderer(format: .text, terminal: Output.stderrIsTerminal)
            Output.writeError(renderer.render(report.errors + report.failures))
        }
        if let junit {
            do {
                try JUnitReport.xml(reports).write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                throw UsageError("cannot write JUnit report to \(junit): \(error.localizedDescription)")
            }
        }
        let failed = reports.filter { !$0.passed }.count
        Output.write("\(reports.count - failed) passed, \(failed) failed\n")
        if failed > 0 { throw ExitCode(1) }
    }
}
