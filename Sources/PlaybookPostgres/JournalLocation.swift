import Foundation
import PlaybookEngine

/// Where a command's journal lives, and the one way commands open it.
///
/// `--state DIR|URL` wins, then `PLAYBOOK_STATE`, then `.playbook/` beside the playbook: state
/// follows the playbook by default, so two playbooks in two folders never share incidents by
/// accident, and a `postgres://` URL is the deliberate way to share one state between runners.
public struct JournalLocation: Sendable, Equatable {
    /// A directory for the SQLite journal, or a `postgres://` URL.
    public var value: String

    public init(state: String?, environment: [String: String], besides playbookPath: String?) {
        if let state {
            value = state
        } else if let configured = environment["PLAYBOOK_STATE"], !configured.isEmpty {
            value = configured
        } else {
            let folder = playbookPath.map { ($0 as NSString).deletingLastPathComponent } ?? ""
            value = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(".playbook")
        }
    }

    /// Whether several runners share this journal (a PostgreSQL URL).
    public var isShared: Bool { PostgresLocation.isURL(value) }

    /// Opens (creating) the journal: an unreachable or unusable one is a `JournalFailure`
    /// without the URL's password.
    public func open() async throws(JournalFailure) -> any Journal {
        if isShared { return try await PostgresJournal.open(value) }
        return try SQLiteJournal(directory: value)
    }

    /// Runs `body` with the journal open, closing it on every path (see `withJournal`).
    public func withJournal<T: Sendable>(_ body: (any Journal) async throws -> T) async throws -> T {
        try await PlaybookEngine.withJournal({ try await open() }, body)
    }
}
