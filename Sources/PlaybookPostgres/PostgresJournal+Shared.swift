import Foundation
import PlaybookCore
import PlaybookEngine
import PostgresNIO

extension PostgresJournal: SharedDeliveries {
    public var shared: (any SharedDeliveries)? { self }

    /// The database's clock, in seconds since 1970: leases are counted on it, so runners on
    /// machines whose clocks disagree still agree on when a lease ends.
    private static let databaseNow = "extract(epoch FROM clock_timestamp())"

    public func planShared(_ deliveries: [SharedDelivery], playbook: String, at now: Date) async throws {
        guard let first = deliveries.first else { return }
        try await run(
            """
            INSERT INTO fanouts (incident, step, playbook, open) VALUES (\(first.record.incident), \(first.record.step), \(playbook), true)
            ON CONFLICT (incident, step) DO UPDATE SET open = true
            """)
        try await insertDeliveries(deliveries.map(\.record), messages: deliveries.map(\.encodedMessage), at: now)
    }

    public func claim(incident: String, step: String, limit: Int, lease: Double, now: Date) async throws -> [SharedDelivery] {
        let rows = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE deliveries d SET claimed_by = $1, lease_until = \(Self.databaseNow) + $2
                    FROM (SELECT key FROM deliveries
                          WHERE incident = $3 AND step = $4 AND status IN ('pending', 'attempting', 'deferred')
                            AND (lease_until IS NULL OR lease_until < \(Self.databaseNow))
                            AND (deferred_until IS NULL OR deferred_until <= $5)
                          LIMIT $6 FOR UPDATE SKIP LOCKED) c
                    WHERE d.key = c.key
                    RETURNING d.key, d.channel, d.contact, d.address, d.status, d.attempts, d.deferred_until, d.message
                    """,
                binds: Self.bindings(runner, lease, incident, step, now.timeIntervalSince1970, limit)),
            as: (String, String, String, String, String, Int, Double?, String?).self)
        return rows.compactMap { row in
            let record = DeliveryRecord(
                key: row.0, incident: incident, step: step, channel: row.1, contact: row.2, address: row.3,
                status: DeliveryStatus(rawValue: row.4) ?? .pending, attempts: row.5, deferredUntil: Self.date(row.6))
            return row.7.flatMap { SharedDelivery(record: record, encodedMessage: $0) }
        }
    }

    /// Rows being marked right now are skipped (they are about to be final): the renewal never
    /// waits for, nor deadlocks with, the runner's own marks.
    public func renewClaims(incident: String, step: String, lease: Double) async throws {
        try await run(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE deliveries d SET lease_until = \(Self.databaseNow) + $1
                    FROM (SELECT key FROM deliveries
                          WHERE incident = $2 AND step = $3 AND claimed_by = $4 AND status IN ('pending', 'attempting', 'deferred')
                          FOR UPDATE SKIP LOCKED) c
                    WHERE d.key = c.key
                    """,
                binds: Self.bindings(lease, incident, step, runner)))
    }

    public func unfinishedDeliveries(incident: String, step: String) async throws -> Int {
        try await rows(
            "SELECT COUNT(*) FROM deliveries WHERE incident = \(incident) AND step = \(step) AND status IN ('pending', 'attempting', 'deferred')",
            as: Int.self
        ).first ?? 0
    }

    public func closeFanOut(incident: String, step: String) async throws {
        try await run("UPDATE fanouts SET open = false WHERE incident = \(incident) AND step = \(step)")
    }

    public func openFanOuts(playbooks: [String]) async throws -> [(incident: String, step: String, playbook: String)] {
        try await rows("SELECT incident, step, playbook FROM fanouts WHERE open AND playbook = ANY(\(playbooks))", as: (String, String, String).self)
            .map { (incident: $0.0, step: $0.1, playbook: $0.2) }
    }

    public func holdLease(_ name: String, seconds: Double) async throws -> Bool {
        let holders = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, \(Self.databaseNow) + $3)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE leases.holder = excluded.holder OR leases.expires_at < \(Self.databaseNow)
                    RETURNING holder
                    """,
                binds: Self.bindings(name, runner, seconds)),
            as: String.self)
        return holders.first == runner
    }

    public func releaseLease(_ name: String) async throws {
        try await run("DELETE FROM leases WHERE name = \(name) AND holder = \(runner)")
    }

    static func bindings(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return bindings
    }
}
