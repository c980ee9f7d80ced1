import Foundation
import PlaybookCore
import PlaybookEngine
import PostgresNIO

extension PostgresJournal {
    public func saveTriggerStates(playbook: String, _ states: [SavedTriggerState]) async throws {
        guard !states.isEmpty else { return }
        // NULL holds ("never observed") travel as -1 in the array and come back as NULL.
        let holds = states.map { $0.state.holds.map { $0 ? 1 : 0 } ?? -1 }
        try await run(
            """
            INSERT INTO trigger_states (playbook, trigger, holds, since, fired_this_run, in_incident, observed_at, facts)
            SELECT \(playbook), t, CASE h WHEN -1 THEN NULL ELSE h = 1 END, s, f, i, NULLIF(o, -1), x
            FROM unnest(\(states.map(\.trigger)), \(holds), \(states.map { $0.state.since.timeIntervalSince1970 }), \(states.map(\.state.firedThisRun)),
              \(states.map(\.state.inIncident)), \(states.map { $0.observedAt?.timeIntervalSince1970 ?? -1 }), \(states.map(\.facts))) AS v(t, h, s, f, i, o, x)
            ON CONFLICT (playbook, trigger) DO UPDATE SET holds = excluded.holds, since = excluded.since, fired_this_run = excluded.fired_this_run,
              in_incident = excluded.in_incident, observed_at = excluded.observed_at, facts = excluded.facts
            """)
    }

    public func triggerStates(playbook: String) async throws -> [SavedTriggerState] {
        try await rows(
            "SELECT trigger, holds, since, fired_this_run, in_incident, observed_at, facts FROM trigger_states WHERE playbook = \(playbook)",
            as: (String, Bool?, Double, Bool, Bool, Double?, String).self
        ).map { row in
            SavedTriggerState(
                trigger: row.0,
                state: TriggerStateMachine.TriggerState(holds: row.1, since: Date(timeIntervalSince1970: row.2), firedThisRun: row.3, inIncident: row.4),
                observedAt: Self.date(row.5), facts: row.6)
        }
    }

    public func addSamples(_ samples: [(series: String, at: Date, value: Double)]) async throws {
        guard !samples.isEmpty else { return }
        try await run(
            """
            INSERT INTO source_samples (series, at, value)
            SELECT * FROM unnest(\(samples.map(\.series)), \(samples.map { $0.at.timeIntervalSince1970 }), \(samples.map(\.value)))
            """)
    }

    public func sample(series: String, atOrBefore time: Date, notBefore: Date) async throws -> (at: Date, value: Double)? {
        try await rows(
            """
            SELECT at, value FROM source_samples WHERE series = \(series) AND at <= \(time.timeIntervalSince1970) AND at >= \(notBefore.timeIntervalSince1970)
            ORDER BY at DESC LIMIT 1
            """, as: (Double, Double).self
        ).first.map { (Date(timeIntervalSince1970: $0.0), $0.1) }
    }

    public func pruneSamples(series: String, before time: Date) async throws {
        try await run("DELETE FROM source_samples WHERE series = \(series) AND at < \(time.timeIntervalSince1970)")
    }
}
