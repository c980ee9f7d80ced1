import Foundation
import PlaybookEngine
import PostgresNIO

extension PostgresJournal {
    /// Versioned steps; index 0 brings an empty database to version 1. Never edit a shipped step; add one.
    static let migrations: [String] = [
        """
        CREATE TABLE incidents (
          id TEXT PRIMARY KEY, playbook TEXT NOT NULL, trigger TEXT NOT NULL,
          started_at DOUBLE PRECISION NOT NULL, resolved_at DOUBLE PRECISION, status TEXT NOT NULL, facts TEXT NOT NULL);
        CREATE INDEX incidents_playbook ON incidents (playbook, status);
        CREATE TABLE steps (
          seq BIGSERIAL, incident TEXT NOT NULL REFERENCES incidents (id), step TEXT NOT NULL, section TEXT NOT NULL,
          status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, started_at DOUBLE PRECISION, finished_at DOUBLE PRECISION, detail TEXT,
          PRIMARY KEY (incident, step));
        CREATE TABLE deliveries (
          key TEXT PRIMARY KEY, incident TEXT NOT NULL REFERENCES incidents (id), step TEXT NOT NULL,
          channel TEXT NOT NULL, contact TEXT NOT NULL, address TEXT NOT NULL, status TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0, deferred_until DOUBLE PRECISION, detail TEXT, updated_at DOUBLE PRECISION NOT NULL,
          message TEXT, claimed_by TEXT, lease_until DOUBLE PRECISION);
        CREATE INDEX deliveries_step ON deliveries (incident, step, status);
        CREATE INDEX deliveries_open ON deliveries (incident, step) WHERE status IN ('pending', 'attempting', 'deferred');
        CREATE TABLE effects (
          seq BIGSERIAL, incident TEXT NOT NULL REFERENCES incidents (id), step TEXT NOT NULL, kind TEXT NOT NULL,
          channel TEXT NOT NULL, item TEXT NOT NULL, data TEXT NOT NULL, status TEXT NOT NULL,
          PRIMARY KEY (incident, kind, channel, item));
        CREATE TABLE log (
          seq BIGSERIAL PRIMARY KEY, incident TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, step TEXT, message TEXT NOT NULL);
        CREATE INDEX log_incident ON log (incident, seq);
        CREATE TABLE trigger_states (
          playbook TEXT NOT NULL, trigger TEXT NOT NULL, holds BOOLEAN, since DOUBLE PRECISION NOT NULL,
          fired_this_run BOOLEAN NOT NULL, in_incident BOOLEAN NOT NULL, observed_at DOUBLE PRECISION, facts TEXT NOT NULL,
          PRIMARY KEY (playbook, trigger));
        CREATE TABLE source_samples (series TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, value DOUBLE PRECISION NOT NULL);
        CREATE INDEX source_samples_series ON source_samples (series, at);
        CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL);
        CREATE TABLE fanouts (
          incident TEXT NOT NULL REFERENCES incidents (id), step TEXT NOT NULL, playbook TEXT NOT NULL, open BOOLEAN NOT NULL,
          PRIMARY KEY (incident, step));
        CREATE INDEX fanouts_open ON fanouts (playbook) WHERE open;
        """,
        """
        CREATE TABLE approvals (
          seq BIGSERIAL, incident TEXT NOT NULL REFERENCES incidents (id), step TEXT NOT NULL, token_id TEXT NOT NULL,
          requested_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL, status TEXT NOT NULL,
          decided_by TEXT, decided_at DOUBLE PRECISION,
          PRIMARY KEY (incident, step));
        CREATE TABLE approval_key (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL)
        """,
    ]

    /// The advisory lock key under which runners migrate, one at a time.
    static let migrationLock: Int64 = 0x706c_6179_626f_6f6b  // "playbook"

    /// Brings the database to `schemaVersion`, each step in its own transaction with its version
    /// row; refuses a database a newer playbook wrote.
    static func migrate(_ connection: PostgresConnection, _ database: PostgresLocation) async throws {
        // Under the lock even the version table's creation: two runners creating it at once collide.
        try await connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: quiet)
        do {
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS playbook_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())", logger: quiet)
            var current = 0
            for try await version in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM playbook_schema", logger: quiet).decode(Int.self) {
                current = version
            }
            if current > schemaVersion {
                throw JournalFailure(
                    description:
                        "the state database \(database) was written by a newer playbook (schema \(current), this one knows \(schemaVersion)); refusing to touch it"
                )
            }
            for (index, sql) in migrations.enumerated() where index + 1 > current {
                let target = index + 1
                try await connection.withTransaction(logger: quiet) { connection in
                    // One statement at a time: the extended protocol takes no lists of commands.
                    for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !statement.isEmpty {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: quiet)
                    }
                    try await connection.query("INSERT INTO playbook_schema (version) VALUES (\(target))", logger: quiet)
                }
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: quiet)
            throw error
        }
        try await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: quiet)
    }

    /// The schema version the database is at.
    public func schemaVersionInDatabase() async throws -> Int {
        try await rows("SELECT COALESCE(MAX(version), 0) FROM playbook_schema", as: Int.self).first ?? 0
    }
}
