import ArgumentParser
import Foundation
import PlaybookEngine

/// Where the journal lives: `--state DIR`, else `PLAYBOOK_STATE`, else `.playbook/` beside the playbook.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory of the state database (default: $PLAYBOOK_STATE, else .playbook/ beside the playbook).", valueName: "DIR"))
    var state: String?

    func directory(besides playbookPath: String?) -> String {
        if let state { return state }
        if let environment = ProcessInfo.processInfo.environment["PLAYBOOK_STATE"], !environment.isEmpty { return environment }
        let folder = playbookPath.map { ($0 as NSString).deletingLastPathComponent } ?? ""
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(".playbook")
    }

    func openJournal(besides playbookPath: String?) throws -> Journal {
        do {
            return try Journal(directory: directory(besides: playbookPath))
        } catch {
            throw UsageError(error.description)
        }
    }
}
