import Foundation

/// The embedded journal (the default): every incident, step attempt and delivery, in SQLite (WAL).
///
/// Every delivery is written *before* it is attempted and marked when done. Writes are grouped:
/// callers await `commit`, which joins the transaction being assembled, so thousands of
/// deliveries a second cost a handful of fsync-free WAL commits (a commit survives a killed
/// process once `write` returns; `synchronous=NORMAL` trades only power-loss durability of the
/// last commits for speed).
public actor SQLiteJournal: Journal {
    let database: SQLiteDatabase
    public nonisolated let path: String

    /// 1: incidents, steps, deliveries, effects, log. 2: trigger states and source samples (`playbook watch`).
    /// 3: approvals.
    public static let schemaVersion = 4
    public nonisolated var location: String { path }

    public typealias Failure = JournalFailure

    /// Opens (creating) the journal in `directory` (`state.db`). A new directory and database are
    /// private to their owner (`PrivateFiles`): they hold customers' addresses.
    public init(directory: String) throws(Failure) {
        do {
            try PrivateFiles.createDirectory(directory)
        } catch {
            throw Failure(description: "cannot create state directory \(directory): \(error.description)")
        }
        path = (directory as NSString).appendingPathComponent("state.db")
        do {
            try PrivateFiles.createFile(path)
        } catch {
            throw Failure(description: "cannot create the state database: \(error.description)")
        }
        do {
            database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            try Self.migrate(database)
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// Brings the database to `schemaVersion`, one versioned step at a time, each in its own
    /// transaction; refuses a database written by a newer playbook.
    static func migrate(_ database: SQLiteDatabase) throws(SQLiteDatabase.Failure) {
        let version = try database.query("PRAGMA user_version").first?.first?.int ?? 0
        if version > schemaVersion {
            throw SQLiteDatabase.Failure(description: "the state database \(database.path) was written by a newer playbook (schema \(version), this one knows \(schemaVersion)); refusing to touch it")
        }
        for (target, sql) in migrations.enumerated().map({ ($0.offset + 1, $0.element) }) where target > version {
            try database.transaction { () throws(SQLiteDatabase.Failure) in
                try database.execute(sql + "\nPRAGMA user_version = \(target);")
            }
        }
    }

    /// The schema steps: index 0 brings version 0 to 1, and so on. Never edit a shipped step; add one.
    static let migrations: [String] = [
        """
        CREATE TABLE IF NOT EXISTS incidents (
          id TEXT PRIMARY KEY, playbook TEXT NOT NULL, trigger TEXT NOT NULL,
          started_at REAL NOT NULL, resolved_at REAL, status TEXT NOT NULL, facts TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS incidents_playbook ON incidents(playbook, status);
        CREATE TABLE IF NOT EXISTS steps (
          incident TEXT NOT NULL REFERENCES incidents(id), step TEXT NOT NULL, section TEXT NOT NULL,
          status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, started_at REAL, finished_at REAL, detail TEXT,
          PRIMARY KEY (incident, step));
        CREATE TABLE IF NOT EXISTS deliveries (
          key TEXT PRIMARY KEY, incident TEXT NOT NULL REFERENCES incidents(id), step TEXT NOT NULL,
          channel TEXT NOT NULL, contact TEXT NOT NULL, address TEXT NOT NULL, status TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0, deferred_until REAL, detail TEXT, updated_at REAL NOT NULL);
        CREATE INDEX IF NOT EXISTS deliveries_step ON deliveries(incident, step, status);
        CREATE TABLE IF NOT EXISTS effects (
          incident TEXT NOT NULL REFERENCES incidents(id), step TEXT NOT NULL, kind TEXT NOT NULL,
          channel TEXT NOT NULL, item TEXT NOT NULL, data TEXT NOT NULL, status TEXT NOT NULL,
          PRIMARY KEY (incident, kind, channel, item));
        CREATE TABLE IF NOT EXISTS log (
          incident TEXT NOT NULL, at REAL NOT NULL, step TEXT, message TEXT NOT NULL);
        """,
        """
        CREATE TABLE IF NOT EXISTS trigger_states (
          playbook TEXT NOT NULL, trigger TEXT NOT NULL, holds INTEGER, since REAL NOT NULL,
          fired_this_run INTEGER NOT NULL, in_incident INTEGER NOT NULL, observed_at REAL, facts TEXT NOT NULL,
          PRIMARY KEY (playbook, trigger));
        CREATE TABLE IF NOT EXISTS source_samples (
          series TEXT NOT NULL, at REAL NOT NULL, value REAL NOT NULL);
        CREATE INDEX IF NOT EXISTS source_samples_series ON source_samples(series, at);
        """,
        """
        CREATE TABLE IF NOT EXISTS approvals (
          incident TEXT NOT NULL REFERENCES incidents(id), step TEXT NOT NULL, token_id TEXT NOT NULL,
          requested_at REAL NOT NULL, expires_at REAL NOT NULL, status TEXT NOT NULL, decided_by TEXT, decided_at REAL,
          PRIMARY KEY (incident, step));
        """,
        // Deliveries are found by incident and step; their status is no longer in the index, so
        // marking a delivery rewrites its row only, not two places of an index as well (it was
        // most of a mark's cost in a fan-out: bench/README.md). Counts by status read the rows.
        """
        DROP INDEX IF EXISTS deliveries_step;
        CREATE INDEX IF NOT EXISTS deliveries_incident_step ON deliveries(incident, step);
        """,
    ]

    // MARK: - Commits

    typealias Write = (sql: String, values: [SQLiteDatabase.Value])
    /// Commits made, for benchmarks and tests.
    public private(set) var commits = 0

    /// Delivery totals kept as deliveries are written, once `countDeliveries()` has started them.
    public nonisolated let deliveryTally = DeliveryTally()
    /// Whether writes keep `deliveryTally` (only a watcher asks: `run` pays nothing for it).
    var tallying = false
    /// The playbook of each incident deliveries were written for (few: one per incident).
    var playbookOfIncident: [String: String] = [:]

    /// Commits `writes` in one transaction, on the actor, and returns once they are durable.
    ///
    /// Committed at once rather than queued for a flush task that grouped concurrent callers'
    /// writes: the writers that come in numbers group their own (a fan-out's marks gather in
    /// `DeliveryMarks`, its deliveries are journaled 256 at a time), and the queue cost each
    /// commit two more trips through the scheduler — long enough, behind a fan-out's calls, for
    /// the channel's in-flight window to fill while marks waited (bench/README.md). Writes still
    /// commit in the order they reach the actor, each after every write before it.
    func commit(_ writes: [Write], deliveries: [DeliveryChange]? = nil) async throws {
        var tallied: [DeliveryTally.Key: Int] = [:]
        do {
            try database.transaction { () throws(SQLiteDatabase.Failure) in
                for (index, write) in writes.enumerated() {
                    guard tallying, let change = deliveries?[index] else {
                        try database.run(write.sql, write.values)
                        continue
                    }
                    try tally(change, of: write, into: &tallied)
                }
            }
        } catch {
            throw Failure(description: error.description)
        }
        commits += 1
        deliveryTally.apply(tallied)
    }

    static func time(_ date: Date?) -> SQLiteDatabase.Value { date.map { .real($0.timeIntervalSince1970) } ?? .null }
    static func text(_ value: String?) -> SQLiteDatabase.Value { value.map(SQLiteDatabase.Value.text) ?? .null }
    static func date(_ value: SQLiteDatabase.Value) -> Date? { value.double.map(Date.init(timeIntervalSince1970:)) }

    // MARK: - Incidents

    public func createIncident(_ incident: IncidentRecord) async throws {
        try await commit([(
            "INSERT INTO incidents (id, playbook, trigger, started_at, resolved_at, status, facts) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(incident.id), .text(incident.playbook), .text(incident.trigger), Self.time(incident.startedAt), Self.time(incident.resolvedAt),
             .text(incident.status.rawValue), .text(incident.facts)]
        )])
    }

    public func setIncident(_ id: String, status: IncidentRecord.Status, resolvedAt: Date?) async throws {
        if let resolvedAt {
            try await commit([("UPDATE incidents SET status = ?, resolved_at = ? WHERE id = ?", [.text(status.rawValue), Self.time(resolvedAt), .text(id)])])
        } else {
            try await commit([("UPDATE incidents SET status = ? WHERE id = ?", [.text(status.rawValue), .text(id)])])
        }
    }

    private func incident(from row: [SQLiteDatabase.Value]) -> IncidentRecord {
        IncidentRecord(
            id: row[0].text ?? "", playbook: row[1].text ?? "", trigger: row[2].text ?? "", startedAt: Self.date(row[3]) ?? Date(timeIntervalSince1970: 0),
            resolvedAt: Self.date(row[4]), status: IncidentRecord.Status(rawValue: row[5].text ?? "") ?? .finished, facts: row[6].text ?? "{}")
    }

    private static let incidentColumns = "id, playbook, trigger, started_at, resolved_at, status, facts"

    /// The playbook's unfinished incident, if any.
    public func unfinishedIncident(playbook: String) throws -> IncidentRecord? {
        try database.query("SELECT \(Self.incidentColumns) FROM incidents WHERE playbook = ? AND status != 'finished' ORDER BY started_at DESC LIMIT 1", [.text(playbook)])
            .first.map(incident(from:))
    }

    public func incident(_ id: String) throws -> IncidentRecord? {
        try database.query("SELECT \(Self.incidentColumns) FROM incidents WHERE id = ?", [.text(id)]).first.map(incident(from:))
    }

    public func incidents(unfinishedOnly: Bool, limit: Int) throws -> [IncidentRecord] {
        try database.query("SELECT \(Self.incidentColumns) FROM incidents \(unfinishedOnly ? "WHERE status != 'finished'" : "") ORDER BY started_at DESC LIMIT ?", [.integer(Int64(limit))])
            .map(incident(from:))
    }

    // MARK: - Steps

    public func setStep(_ record: StepRecord) async throws {
        try await commit([(
            """
            INSERT INTO steps (incident, step, section, status, attempts, started_at, finished_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (incident, step) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
              started_at = COALESCE(steps.started_at, excluded.started_at), finished_at = excluded.finished_at, detail = excluded.detail
            """,
            [.text(record.incident), .text(record.step), .text(record.section), .text(record.status.rawValue), .integer(Int64(record.attempts)),
             Self.time(record.startedAt), Self.time(record.finishedAt), Self.text(record.detail)]
        )])
    }

    public func steps(incident: String) throws -> [StepRecord] {
        try database.query("SELECT incident, step, section, status, attempts, started_at, finished_at, detail FROM steps WHERE incident = ? ORDER BY rowid", [.text(incident)]).map { row in
            StepRecord(incident: row[0].text ?? "", step: row[1].text ?? "", section: row[2].text ?? "", status: StepStatus(rawValue: row[3].text ?? "") ?? .pending,
                       attempts: row[4].int ?? 0, startedAt: Self.date(row[5]), finishedAt: Self.date(row[6]), detail: row[7].text)
        }
    }

    // MARK: - Deliveries

    /// Journals deliveries before they are attempted. Existing keys are left as they are (resume).
    public func planDeliveries(_ records: [DeliveryRecord], at now: Date) async throws {
        guard !records.isEmpty else { return }
        try await commit(
            records.map { record in
                ("INSERT OR IGNORE INTO deliveries (key, incident, step, channel, contact, address, status, attempts, deferred_until, detail, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, ?)",
                 [.text(record.key), .text(record.incident), .text(record.step), .text(record.channel), .text(record.contact), .text(record.address),
                  .text(record.status.rawValue), Self.time(record.deferredUntil), Self.time(now)])
            }, deliveries: records.map { .planned(incident: $0.incident, status: $0.status) })
    }

    /// Marks a delivery's state durably; `attempts` (the attempts this run made) is added to the count.
    ///
    /// A delivery needs no mark *before* its attempt: it was journaled as pending before any
    /// attempt, and on resume pending deliveries are sent again with the same key — the
    /// in-flight window is what is pending but already attempted, bounded by the channel gate.
    public func markDelivery(_ key: String, _ status: DeliveryStatus, attempts: Int, detail: String?, at now: Date) async throws {
        try await markDeliveries([DeliveryMark(key: key, status: status, attempts: attempts, detail: detail, at: now)])
    }

    /// The marks in one commit (grouped, like every write, with concurrent callers').
    public func markDeliveries(_ marks: [DeliveryMark]) async throws {
        try await commit(
            marks.map { mark in
                ("UPDATE deliveries SET status = ?, attempts = attempts + ?, detail = ?, updated_at = ? WHERE key = ?",
                 [.text(mark.status.rawValue), .integer(Int64(mark.attempts)), Self.text(mark.detail), Self.time(mark.at), .text(mark.key)])
            }, deliveries: marks.map { .marked(key: $0.key, status: $0.status) })
    }

    public func deliveries(incident: String, step: String) throws -> [DeliveryRecord] {
        try database.query("SELECT key, incident, step, channel, contact, address, status, attempts, deferred_until, detail FROM deliveries WHERE incident = ? AND step = ?",
                           [.text(incident), .text(step)]).map { row in
            DeliveryRecord(key: row[0].text ?? "", incident: row[1].text ?? "", step: row[2].text ?? "", channel: row[3].text ?? "", contact: row[4].text ?? "",
                           address: row[5].text ?? "", status: DeliveryStatus(rawValue: row[6].text ?? "") ?? .pending, attempts: row[7].int ?? 0,
                           deferredUntil: Self.date(row[8]), detail: row[9].text)
        }
    }

    /// Delivery counts by step and status for an incident.
    public func deliveryCounts(incident: String) throws -> [String: [DeliveryStatus: Int]] {
        var out: [String: [DeliveryStatus: Int]] = [:]
        for row in try database.query("SELECT step, status, COUNT(*) FROM deliveries WHERE incident = ? GROUP BY step, status", [.text(incident)]) {
            guard let step = row[0].text, let status = DeliveryStatus(rawValue: row[1].text ?? "") else { continue }
            out[step, default: [:]][status] = row[2].int ?? 0
        }
        return out
    }

    /// Failed deliveries with their reasons, for `status`.
    public func failures(incident: String, limit: Int) throws -> [DeliveryRecord] {
        try database.query("SELECT key, step, channel, contact, address, attempts, detail FROM deliveries WHERE incident = ? AND status = 'failed' LIMIT ?",
                           [.text(incident), .integer(Int64(limit))]).map { row in
            DeliveryRecord(key: row[0].text ?? "", incident: incident, step: row[1].text ?? "", channel: row[2].text ?? "", contact: row[3].text ?? "",
                           address: row[4].text ?? "", status: .failed, attempts: row[5].int ?? 0, detail: row[6].text)
        }
    }

    // MARK: - Effects (what pause_ads and reschedule_posts changed, so recovery can undo exactly that)

    public func recordEffect(incident: String, step: String, kind: String, channel: String, item: String, data: String, status: String) async throws {
        try await commit([(
            "INSERT INTO effects (incident, step, kind, channel, item, data, status) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident, kind, channel, item) DO UPDATE SET status = excluded.status, data = excluded.data",
            [.text(incident), .text(step), .text(kind), .text(channel), .text(item), .text(data), .text(status)]
        )])
    }

    public func effects(incident: String, kind: String, channel: String) throws -> [(item: String, data: String, status: String)] {
        try database.query("SELECT item, data, status FROM effects WHERE incident = ? AND kind = ? AND channel = ? ORDER BY rowid", [.text(incident), .text(kind), .text(channel)])
            .map { (item: $0[0].text ?? "", data: $0[1].text ?? "", status: $0[2].text ?? "") }
    }

    // MARK: - Log

    public func log(incident: String, step: String?, message: String, at now: Date) async throws {
        try await commit([("INSERT INTO log (incident, at, step, message) VALUES (?, ?, ?, ?)", [.text(incident), Self.time(now), Self.text(step), .text(message)])])
    }

    public func logLines(incident: String) throws -> [(at: Date, step: String?, message: String)] {
        try database.query("SELECT at, step, message FROM log WHERE incident = ? ORDER BY rowid", [.text(incident)])
            .map { (at: Self.date($0[0]) ?? Date(), step: $0[1].text, message: $0[2].text ?? "") }
    }
}
