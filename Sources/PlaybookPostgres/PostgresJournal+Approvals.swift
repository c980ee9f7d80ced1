import Foundation
import PlaybookCore
import PlaybookEngine
import PostgresNIO

/// Approvals in the shared state: every runner sees the same pending approval and the same key,
/// so a link sent by one runner is honoured by any, and two runners (or a runner and
/// `playbook approve`) deciding at once meet the conditional update.
extension PostgresJournal: ApprovalJournal {
    public func createApproval(_ record: ApprovalRecord) async throws {
        try await run(
            """
            INSERT INTO approvals (incident, step, token_id, requested_at, expires_at, status, decided_by, decided_at)
            VALUES (\(record.incident), \(record.step), \(record.tokenID), \(record.requestedAt.timeIntervalSince1970), \(record.expiresAt.timeIntervalSince1970),
                    \(record.status.rawValue), \(record.decidedBy), \(Self.time(record.decidedAt)))
            ON CONFLICT (incident, step) DO NOTHING
            """)
    }

    public func approval(incident: String, step: String) async throws -> ApprovalRecord? {
        try await approvalRows(
            "SELECT step, token_id, requested_at, expires_at, status, decided_by, decided_at FROM approvals WHERE incident = \(incident) AND step = \(step)",
            incident: incident
        ).first
    }

    public func approvals(incident: String) async throws -> [ApprovalRecord] {
        try await approvalRows(
            "SELECT step, token_id, requested_at, expires_at, status, decided_by, decided_at FROM approvals WHERE incident = \(incident) ORDER BY seq",
            incident: incident)
    }

    public func decideApproval(incident: String, step: String, status: ApprovalRecord.Status, by: String, at: Date) async throws -> Bool {
        let changed = try await rows(
            """
            UPDATE approvals SET status = \(status.rawValue), decided_by = \(by), decided_at = \(at.timeIntervalSince1970)
            WHERE incident = \(incident) AND step = \(step) AND status = 'pending' RETURNING step
            """, as: String.self)
        return !changed.isEmpty
    }

    /// One key for the whole shared state, made by whichever runner needs it first.
    public func approvalKey() async throws -> ApprovalKey {
        let fresh = ApprovalKey.generate().bytes.map { String(format: "%02x", $0) }.joined()
        try await run("INSERT INTO approval_key (id, secret) VALUES (1, \(fresh)) ON CONFLICT (id) DO NOTHING")
        guard let hex = try await rows("SELECT secret FROM approval_key WHERE id = 1", as: String.self).first else {
            throw JournalFailure(description: "the approval key is missing from the state database")
        }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), let byte = UInt8(hex[index..<next], radix: 16) {
            bytes.append(byte)
            index = next
        }
        do {
            return try ApprovalKey(bytes: bytes)
        } catch {
            throw JournalFailure(description: "the approval key in the state database is damaged (\(error.description))")
        }
    }

    private func approvalRows(_ query: PostgresQuery, incident: String) async throws -> [ApprovalRecord] {
        try await rows(query, as: (String, String, Double, Double, String, String?, Double?).self).map { row in
            ApprovalRecord(
                incident: incident, step: row.0, tokenID: row.1, requestedAt: Date(timeIntervalSince1970: row.2), expiresAt: Date(timeIntervalSince1970: row.3),
                status: ApprovalRecord.Status(rawValue: row.4) ?? .pending, decidedBy: row.5, decidedAt: row.6.map(Date.init(timeIntervalSince1970:)))
        }
    }
}
