import Foundation
import PlaybookCore

extension SQLiteJournal {
    // MARK: - Trigger states

    public func saveTriggerStates(playbook: String, _ states: [SavedTriggerState]) async throws {
        guard !states.isEmpty else { return }
        try await commit(
            states.map { saved in
                (
                    """
                    INSERT INTO trigger_states (playbook, trigger, holds, since, fired_this_run, in_incident, observed_at, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (playbook, trigger) DO UPDATE SET holds = excluded.holds, since = excluded.since, fired_this_run = excluded.fired_this_run,
                      in_incident = excluded.in_incident, observed_at = excluded.observed_at, facts = excluded.facts
                    """,
                    [
                        .text(playbook), .text(saved.trigger), saved.state.holds.map { .integer($0 ? 1 : 0) } ?? .null, Self.time(saved.state.since),
                        .integer(saved.state.firedThisRun ? 1 : 0), .integer(saved.state.inIncident ? 1 : 0), Self.time(saved.observedAt), .text(saved.facts),
                    ]
                )
            })
    }

    public func triggerStates(playbook: String) throws -> [SavedTriggerState] {
        try database.query(
            "SELECT trigger, holds, since, fired_this_run, in_incident, observed_at, facts FROM trigger_states WHERE playbook = ?", [.text(playbook)]
        ).map { row in
            let holds: Bool? = row[1] == .null ? nil : row[1].int == 1
            let state = TriggerStateMachine.TriggerState(
                holds: holds, since: Self.date(row[2]) ?? Date(timeIntervalSince1970: 0),
                firedThisRun: row[3].int == 1, inIncident: row[4].int == 1)
            return SavedTriggerState(trigger: row[0].text ?? "", state: state, observedAt: Self.date(row[5]), facts: row[6].text ?? "{}")
        }
    }

    // MARK: - Source samples (the watcher's own history, for baselines "that long ago")

    public func addSamples(_ samples: [(series: String, at: Date, value: Double)]) async throws {
        guard !samples.isEmpty else { return }
        try await commit(
            samples.map { ("INSERT INTO source_samples (series, at, value) VALUES (?, ?, ?)", [.text($0.series), Self.time($0.at), .real($0.value)]) })
    }

    /// The latest sample of `series` at or before `time`, if it is no older than `notBefore`.
    public func sample(series: String, atOrBefore time: Date, notBefore: Date) throws -> (at: Date, value: Double)? {
        try database.query(
            "SELECT at, value FROM source_samples WHERE series = ? AND at <= ? AND at >= ? ORDER BY at DESC LIMIT 1",
            [.text(series), Self.time(time), Self.time(notBefore)]
        )
        .first.flatMap { row in Self.date(row[0]).flatMap { at in row[1].double.map { (at, $0) } } }
    }

    /// Forgets samples older than `time` (they can no longer be anyone's baseline).
    public func pruneSamples(series: String, before time: Date) async throws {
        try await commit([("DELETE FROM source_samples WHERE series = ? AND at < ?", [.text(series), Self.time(time)])])
    }

    // MARK: - For the watcher's metrics and steps

    public func incidentStatus(_ id: String) throws -> IncidentRecord.Status? {
        try database.query("SELECT status FROM incidents WHERE id = ?", [.text(id)]).first.flatMap { $0[0].text.flatMap(IncidentRecord.Status.init(rawValue:)) }
    }

    /// Deliveries by playbook and status, over every incident.
    public func deliveryTotals() throws -> [(playbook: String, status: DeliveryStatus, count: Int)] {
        try database.query(
            "SELECT i.playbook, d.status, COUNT(*) FROM deliveries d JOIN incidents i ON i.id = d.incident GROUP BY i.playbook, d.status ORDER BY 1, 2"
        )
        .compactMap { row in
            guard let playbook = row[0].text, let status = DeliveryStatus(rawValue: row[1].text ?? "") else { return nil }
            return (playbook, status, row[2].int ?? 0)
        }
    }
}
