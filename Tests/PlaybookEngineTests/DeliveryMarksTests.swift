import Foundation
import Testing

@testable import PlaybookEngine

/// A fan-out's delivery marks gather into one journal commit: a mark waits while other calls of
/// the fan-out are still in flight (their marks will come) and is committed with them, by the
/// last to come or once `gatherUpTo` are waiting. Each returns only when its commit is durable.
@Suite struct DeliveryMarksTests {
    let start = Date(timeIntervalSince1970: 1_633_362_000)

    /// A journal with one incident and `count` pending deliveries, `d0`, `d1`, ...
    func journal(deliveries count: Int) async throws -> SQLiteJournal {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marks-\(UUID().uuidString)").path
        let journal = try SQLiteJournal(directory: directory)
        try await journal.createIncident(IncidentRecord(id: "i1", playbook: "p", trigger: "t", startedAt: start))
        try await journal.planDeliveries(
            (0..<count).map { DeliveryRecord(key: "d\($0)", incident: "i1", step: "s", channel: "c", contact: "k\($0)", address: "a", status: .pending) },
            at: start)
        return journal
    }

    func statuses(_ journal: SQLiteJournal) async throws -> [String: DeliveryStatus] {
        Dictionary(uniqueKeysWithValues: try await journal.deliveries(incident: "i1", step: "s").map { ($0.key, $0.status) })
    }

    @Test func marksWaitForTheCallsStillInFlightAndShareOneCommit() async throws {
        let journal = try await journal(deliveries: 3)
        let marks = DeliveryMarks(journal: journal)
        for _ in 0..<3 { marks.callStarting() }
        let commitsBefore = await journal.commits

        marks.callEnded()
        let first = Task { try await marks.mark(DeliveryMark(key: "d0", status: .sent, attempts: 1, at: start)) }
        marks.callEnded()
        let second = Task { try await marks.mark(DeliveryMark(key: "d1", status: .failed, attempts: 3, detail: "503", at: start)) }
        // A call is still in flight: nothing may be committed yet, whatever has run.
        await Task.yield()
        #expect(try await statuses(journal) == ["d0": .pending, "d1": .pending, "d2": .pending])

        // The last call ends: its mark commits all three, once.
        marks.callEnded()
        try await marks.mark(DeliveryMark(key: "d2", status: .sent, attempts: 1, at: start))
        try await first.value
        try await second.value
        #expect(try await statuses(journal) == ["d0": .sent, "d1": .failed, "d2": .sent])
        #expect(await journal.commits == commitsBefore + 1)
        #expect(try await journal.deliveries(incident: "i1", step: "s").first { $0.key == "d1" }?.detail == "503")
    }

    @Test func aFullBatchCommitsWhileCallsAreStillInFlight() async throws {
        let journal = try await journal(deliveries: 3)
        let marks = DeliveryMarks(journal: journal, gatherUpTo: 2)
        for _ in 0..<3 { marks.callStarting() }
        marks.callEnded()
        let first = Task { try await marks.mark(DeliveryMark(key: "d0", status: .sent, attempts: 1, at: start)) }
        marks.callEnded()
        try await marks.mark(DeliveryMark(key: "d1", status: .sent, attempts: 1, at: start))
        try await first.value
        // Two marks made a batch; the third call is still in flight.
        #expect(try await statuses(journal) == ["d0": .sent, "d1": .sent, "d2": .pending])
    }
}
