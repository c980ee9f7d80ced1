import Foundation
import Logging
import NIOCore
import PlaybookCore
import PlaybookEngine
import PostgresNIO

/// The journal in PostgreSQL: the same records as `SQLiteJournal`, shared by every runner that
/// names the same database (`--state postgres://...`), plus what sharing needs — deliveries
/// claimed in batches under a lease (`SharedDeliveries`) and per-playbook leadership leases.
///
/// Writes return once committed. Delivery marks, the hot path of a fan-out, are grouped: each
/// flush is one `UPDATE ... FROM unnest(...)` statement for every mark waiting.
public final class PostgresJournal: Journal, Sendable {
    public let location: String
    let database: PostgresLocation
    let client: PostgresClient
    private let running: Task<Void, Never>
    let marks: MarkBatcher
    /// This process, as it appears in claims and leases: `host:pid:random`.
    public let runner: String

    /// The schema steps: index 0 brings version 0 to 1, and so on. Never edit a shipped step; add one.
    public static let schemaVersion = 2

    /// Connects, applies the migrations this version knows (under an advisory lock, so runners
    /// starting together migrate once) and refuses a schema newer than it knows.
    public static func open(_ url: String, maximumConnections: Int = 8) async throws(JournalFailure) -> PostgresJournal {
        let database = try PostgresLocation(url: url)
        return try await open(database, maximumConnections: maximumConnections)
    }

    public static func open(_ database: PostgresLocation, maximumConnections: Int = 8) async throws(JournalFailure) -> PostgresJournal {
        do {
            let connection = try await PostgresConnection.connect(configuration: connectionConfiguration(database), id: 1, logger: quiet)
            do {
                try await migrate(connection, database)
                try? await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch let failure as JournalFailure {
            throw failure
        } catch {
            throw JournalFailure(description: describe(error, database))
        }
        return PostgresJournal(database, maximumConnections: maximumConnections)
    }

    private init(_ database: PostgresLocation, maximumConnections: Int) {
        self.database = database
        location = database.description
        var configuration = PostgresClient.Configuration(
            host: database.host, port: database.port, username: database.user, password: database.password, database: database.database,
            tls: Self.clientTLS(database.tls))
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        running = Task { await client.run() }
        let host = ProcessInfo.processInfo.hostName
        runner = "\(host):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
        marks = MarkBatcher(client: client, location: database)
    }

    deinit { running.cancel() }

    /// No lock: several runners share a PostgreSQL state by design, each delivery claimed by one.
    public func lockRuns(of playbook: String, by command: String) throws -> RunLock? { nil }

    public func close() async {
        running.cancel()
    }

    static let quiet = Logger(label: "playbook.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    static func clientTLS(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    static func connectionConfiguration(_ database: PostgresLocation) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch database.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: database.host, port: database.port, username: database.user, password: database.password, database: database.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// One line for any error of PostgresNIO, without the password (the library's own
    /// description hides everything; the server's message and the connection error are what helps).
    static func describe(_ error: any Error, _ database: PostgresLocation) -> String {
        if let failure = error as? JournalFailure { return failure.description }
        if let transaction = error as? PostgresTransactionError,
            let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
        {
            return describe(inner, database)
        }
        guard let error = error as? PSQLError else { return "state database \(database): \(error)" }
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState].map { " (\($0))" } ?? ""
            return "state database \(database): \(message)\(code)"
        }
        switch error.code {
        case .connectionError:
            let underlying = error.underlying.map { "\($0)" } ?? ""
            let why =
                underlying.contains("Connection refused")
                ? "connection refused"
                : underlying.contains("imeout") || underlying.contains("timed out")
                    ? "no answer within 5 s"
                    : underlying.isEmpty ? "no answer" : underlying
            return "cannot connect to the state database \(database): \(why)"
        case .sslUnsupported:
            return "cannot connect to the state database \(database): the server does not offer TLS, which a server on another host needs"
                + " unless the URL ends in ?sslmode=disable (plaintext)"
        case .serverClosedConnection, .uncleanShutdown:
            return "the state database \(database) closed the connection"
        case .poolClosed, .clientClosedConnection:
            return "the connection to the state database \(database) is closed"
        case .queryCancelled:
            return "a query to the state database \(database) was cancelled"
        default:
            return "state database \(database): \(error.code)"
        }
    }

    /// Runs a statement that returns no rows; errors become one-line `JournalFailure`s.
    /// A statement that lost a deadlock or a serialization conflict to another runner's wrote
    /// nothing and is run again (a few times).
    func run(_ query: PostgresQuery) async throws(JournalFailure) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await client.query(query, logger: Self.quiet)
                return
            } catch let error as PSQLError where attempt < 5 && Self.isConflict(error) {
                try? await Task.sleep(nanoseconds: UInt64(attempt) * 10_000_000)
            } catch {
                throw JournalFailure(description: Self.describe(error, database))
            }
        }
    }

    static func isConflict(_ error: PSQLError) -> Bool { ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "") }

    /// Runs a query and decodes every row.
    func rows<each Column: PostgresDecodable>(_ query: PostgresQuery, as: (repeat each Column).Type) async throws(JournalFailure) -> [(repeat each Column)] {
        do {
            var out: [(repeat each Column)] = []
            for try await row in try await client.query(query, logger: Self.quiet) {
                out.append(try row.decode((repeat each Column).self))
            }
            return out
        } catch {
            throw JournalFailure(description: Self.describe(error, database))
        }
    }

    func transaction(_ body: (PostgresConnection) async throws -> Void) async throws(JournalFailure) {
        do {
            try await client.withTransaction(logger: Self.quiet) { connection in try await body(connection) }
        } catch {
            throw JournalFailure(description: Self.describe(error, database))
        }
    }

    static func time(_ date: Date?) -> Double? { date?.timeIntervalSince1970 }
    static func date(_ value: Double?) -> Date? { value.map(Date.init(timeIntervalSince1970:)) }

    // MARK: - Incidents

    public func createIncident(_ incident: IncidentRecord) async throws {
        try await run(
            """
            INSERT INTO incidents (id, playbook, trigger, started_at, resolved_at, status, facts)
            VALUES (\(incident.id), \(incident.playbook), \(incident.trigger), \(incident.startedAt.timeIntervalSince1970), \(Self.time(incident.resolvedAt)),
              \(incident.status.rawValue), \(incident.facts))
            """)
    }

    public func setIncident(_ id: String, status: IncidentRecord.Status, resolvedAt: Date?) async throws {
        if let resolvedAt {
            try await run("UPDATE incidents SET status = \(status.rawValue), resolved_at = \(resolvedAt.timeIntervalSince1970) WHERE id = \(id)")
        } else {
            try await run("UPDATE incidents SET status = \(status.rawValue) WHERE id = \(id)")
        }
    }

    typealias IncidentRow = (String, String, String, Double, Double?, String, String)

    static func incident(_ row: IncidentRow) -> IncidentRecord {
        IncidentRecord(
            id: row.0, playbook: row.1, trigger: row.2, startedAt: Date(timeIntervalSince1970: row.3), resolvedAt: date(row.4),
            status: IncidentRecord.Status(rawValue: row.5) ?? .finished, facts: row.6)
    }

    public func unfinishedIncident(playbook: String) async throws -> IncidentRecord? {
        try await rows(
            """
            SELECT id, playbook, trigger, started_at, resolved_at, status, facts FROM incidents
            WHERE playbook = \(playbook) AND status <> 'finished' ORDER BY started_at DESC LIMIT 1
            """, as: IncidentRow.self
        ).first.map(Self.incident)
    }

    public func incidents(unfinishedOnly: Bool, limit: Int) async throws -> [IncidentRecord] {
        try await rows(
            """
            SELECT id, playbook, trigger, started_at, resolved_at, status, facts FROM incidents
            WHERE (NOT \(unfinishedOnly) OR status <> 'finished') ORDER BY started_at DESC LIMIT \(limit)
            """, as: IncidentRow.self
        ).map(Self.incident)
    }

    public func incident(_ id: String) async throws -> IncidentRecord? {
        try await rows(
            "SELECT id, playbook, trigger, started_at, resolved_at, status, facts FROM incidents WHERE id = \(id)", as: IncidentRow.self
        ).first.map(Self.incident)
    }

    public func incidentStatus(_ id: String) async throws -> IncidentRecord.Status? {
        try await rows("SELECT status FROM incidents WHERE id = \(id)", as: String.self).first.flatMap { IncidentRecord.Status(rawValue: $0) }
    }

    // MARK: - Steps

    public func setStep(_ record: StepRecord) async throws {
        try await run(
            """
            INSERT INTO steps (incident, step, section, status, attempts, started_at, finished_at, detail)
            VALUES (\(record.incident), \(record.step), \(record.section), \(record.status.rawValue), \(record.attempts), \(Self.time(record.startedAt)),
              \(Self.time(record.finishedAt)), \(record.detail))
            ON CONFLICT (incident, step) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
              started_at = COALESCE(steps.started_at, excluded.started_at), finished_at = excluded.finished_at, detail = excluded.detail
            """)
    }

    public func steps(incident: String) async throws -> [StepRecord] {
        try await rows(
            "SELECT incident, step, section, status, attempts, started_at, finished_at, detail FROM steps WHERE incident = \(incident) ORDER BY seq",
            as: (String, String, String, String, Int, Double?, Double?, String?).self
        ).map { row in
            StepRecord(
                incident: row.0, step: row.1, section: row.2, status: StepStatus(rawValue: row.3) ?? .pending, attempts: row.4,
                startedAt: Self.date(row.5), finishedAt: Self.date(row.6), detail: row.7)
        }
    }

    // MARK: - Deliveries

    public func planDeliveries(_ records: [DeliveryRecord], at now: Date) async throws {
        guard !records.isEmpty else { return }
        try await insertDeliveries(records, messages: nil, at: now)
    }

    /// One statement for the whole batch; keys already journaled are left as they are (resume).
    func insertDeliveries(_ records: [DeliveryRecord], messages: [String]?, at now: Date) async throws(JournalFailure) {
        try await run(
            """
            INSERT INTO deliveries (key, incident, step, channel, contact, address, status, attempts, deferred_until, detail, updated_at, message)
            SELECT k, i, s, c, ct, a, st, 0, NULLIF(d, -1), NULL, \(now.timeIntervalSince1970), NULLIF(m, '')
            FROM unnest(\(records.map(\.key)), \(records.map(\.incident)), \(records.map(\.step)), \(records.map(\.channel)), \(records.map(\.contact)),
              \(records.map(\.address)), \(records.map(\.status.rawValue)), \(records.map { $0.deferredUntil?.timeIntervalSince1970 ?? -1 }),
              \(messages ?? Array(repeating: "", count: records.count))) AS v(k, i, s, c, ct, a, st, d, m)
            ON CONFLICT (key) DO NOTHING
            """)
    }

    public func markDelivery(_ key: String, _ status: DeliveryStatus, attempts: Int, detail: String?, at now: Date) async throws {
        try await marks.mark(MarkBatcher.Mark(key: key, status: status.rawValue, attempts: attempts, detail: detail ?? "", at: now.timeIntervalSince1970))
    }

    typealias DeliveryRow = (String, String, String, String, String, String, String, Int, Double?, String?)

    static func delivery(_ row: DeliveryRow) -> DeliveryRecord {
        DeliveryRecord(
            key: row.0, incident: row.1, step: row.2, channel: row.3, contact: row.4, address: row.5, status: DeliveryStatus(rawValue: row.6) ?? .pending,
            attempts: row.7, deferredUntil: date(row.8), detail: row.9)
    }

    public func deliveries(incident: String, step: String) async throws -> [DeliveryRecord] {
        try await rows(
            """
            SELECT key, incident, step, channel, contact, address, status, attempts, deferred_until, detail FROM deliveries
            WHERE incident = \(incident) AND step = \(step)
            """, as: DeliveryRow.self
        ).map(Self.delivery)
    }

    public func deliveryCounts(incident: String) async throws -> [String: [DeliveryStatus: Int]] {
        var out: [String: [DeliveryStatus: Int]] = [:]
        for (step, status, count) in try await rows(
            "SELECT step, status, COUNT(*) FROM deliveries WHERE incident = \(incident) GROUP BY step, status", as: (String, String, Int).self)
        {
            guard let status = DeliveryStatus(rawValue: status) else { continue }
            out[step, default: [:]][status] = count
        }
        return out
    }

    public func failures(incident: String, limit: Int) async throws -> [DeliveryRecord] {
        try await rows(
            """
            SELECT key, incident, step, channel, contact, address, status, attempts, deferred_until, detail FROM deliveries
            WHERE incident = \(incident) AND status = 'failed' ORDER BY updated_at LIMIT \(limit)
            """, as: DeliveryRow.self
        ).map(Self.delivery)
    }

    public func deliveryTotals() async throws -> [(playbook: String, status: DeliveryStatus, count: Int)] {
        try await rows(
            "SELECT i.playbook, d.status, COUNT(*) FROM deliveries d JOIN incidents i ON i.id = d.incident GROUP BY i.playbook, d.status ORDER BY 1, 2",
            as: (String, String, Int).self
        ).compactMap { row in DeliveryStatus(rawValue: row.1).map { (row.0, $0, row.2) } }
    }

    // MARK: - Effects

    public func recordEffect(incident: String, step: String, kind: String, channel: String, item: String, data: String, status: String) async throws {
        try await run(
            """
            INSERT INTO effects (incident, step, kind, channel, item, data, status) VALUES (\(incident), \(step), \(kind), \(channel), \(item), \(data), \(status))
            ON CONFLICT (incident, kind, channel, item) DO UPDATE SET status = excluded.status, data = excluded.data
            """)
    }

    public func effects(incident: String, kind: String, channel: String) async throws -> [(item: String, data: String, status: String)] {
        try await rows(
            "SELECT item, data, status FROM effects WHERE incident = \(incident) AND kind = \(kind) AND channel = \(channel) ORDER BY seq",
            as: (String, String, String).self
        ).map { (item: $0.0, data: $0.1, status: $0.2) }
    }

    // MARK: - Log

    public func log(incident: String, step: String?, message: String, at now: Date) async throws {
        try await run("INSERT INTO log (incident, at, step, message) VALUES (\(incident), \(now.timeIntervalSince1970), \(step), \(message))")
    }

    public func logLines(incident: String) async throws -> [(at: Date, step: String?, message: String)] {
        try await rows("SELECT at, step, message FROM log WHERE incident = \(incident) ORDER BY seq", as: (Double, String?, String).self)
            .map { (at: Date(timeIntervalSince1970: $0.0), step: $0.1, message: $0.2) }
    }
}
