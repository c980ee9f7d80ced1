import ArgumentParser
import Foundation
import PlaybookEngine
import PlaybookPostgres

/// Where the journal lives: `--state DIR|postgres://...`, else `PLAYBOOK_STATE`, else `.playbook/`
/// beside the playbook. A `postgres://` URL selects the PostgreSQL journal (several runners, one state).
struct StateOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Directory of the state database, or a postgres:// URL to share one state between runners (default: $PLAYBOOK_STATE, else .playbook/ beside the playbook).",
            valueName: "DIR|URL"))
    var state: String?

    @Option(
        help: ArgumentHelp(
            "With a postgres:// state: seconds before deliveries claimed by a runner that stopped answering are taken over by another.",
            valueName: "SECONDS"))
    var claimLease: Double = 15

    /// A lease is renewed every third of it: under a second that is a database round trip every
    /// few hundred milliseconds per runner, over a day a dead runner's deliveries wait a day.
    /// Outside that (negative, zero, `nan`, `inf` included) the flag is refused, exit 2.
    func validate() throws {
        guard Engine.claimLeaseRange.contains(claimLease) else {
            let bounds = "\(Int(Engine.claimLeaseRange.lowerBound)) and \(Int(Engine.claimLeaseRange.upperBound))"
            throw ValidationError("--claim-lease must be between \(bounds) seconds, found \(claimLease)")
        }
    }

    func location(besides playbookPath: String?) -> JournalLocation {
        JournalLocation(state: state, environment: ProcessInfo.processInfo.environment, besides: playbookPath)
    }

    /// Runs `body` with the journal open and closes it on every path; an unreachable or unusable
    /// journal is a one-line error (exit 2), without the URL's password.
    func withJournal<T: Sendable>(besides playbookPath: String?, _ body: (any Journal) async throws -> T) async throws -> T {
        let location = location(besides: playbookPath)
        return try await PlaybookEngine.withJournal(
            {
                do { return try await location.open() } catch { throw UsageError("\(error)") }
            }, body)
    }
}
