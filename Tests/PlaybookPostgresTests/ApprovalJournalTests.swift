import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookPostgres
import Testing

/// Approvals in each journal: journaled once, decided once (the first decision wins, whoever
/// else tries at the same moment), and signed with one key that stays the same.
@Suite struct ApprovalJournalTests {
    static let t0 = Date(timeIntervalSince1970: 1_633_361_940)

    @Test(arguments: Backend.testable) func theFirstDecisionWinsAndTheKeyStays(_ backend: Backend) async throws {
        let journal = try await backend.open()
        defer { Task { await journal.close() } }
        let approvals = try #require(journal as? any ApprovalJournal)
        try await journal.createIncident(IncidentRecord(id: "p-1", playbook: "p", trigger: "t", startedAt: Self.t0))
        let record = ApprovalRecord(incident: "p-1", step: "ask", tokenID: "00112233445566778899aabbccddeeff", requestedAt: Self.t0,
                                    expiresAt: Self.t0.addingTimeInterval(1800))
        try await approvals.createApproval(record)
        var second = record
        second.tokenID = "ffeeddccbbaa99887766554433221100"
        try await approvals.createApproval(second)
        #expect(try await approvals.approval(incident: "p-1", step: "ask") == record, "the first approval journaled stays")

        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await approvals.decideApproval(incident: "p-1", step: "ask", status: index.isMultiple(of: 2) ? .approved : .denied,
                                                       by: "cli (u\(index))", at: Self.t0.addingTimeInterval(60))
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(wins == 1)
        let decided = try #require(try await approvals.approval(incident: "p-1", step: "ask"))
        #expect(decided.status != .pending)
        #expect(decided.decidedAt == Self.t0.addingTimeInterval(60))
        #expect(try await approvals.approvals(incident: "p-1") == [decided])
        #expect(try await approvals.approvalKey().bytes == approvals.approvalKey().bytes)
    }
}
