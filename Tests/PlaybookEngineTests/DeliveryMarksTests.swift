import Foundation
import PlaybookTestSupport
import Synchronization
import Testing

@testable import PlaybookEngine

/// A fan-out's delivery marks gather into one journal commit: a mark waits while other calls of
/// the fan-out are still in flight (their marks will come) and is committed with them, by the
/// last to come or once `gatherUpTo` are waiting. A delivery leaves its channel's window and
/// counts as done only once its commit is durable.
@Suite struct DeliveryMarksTests {
    let start = Date(timeIntervalSince1970: 1_633_362_000)

    /// A journal with one incident and `count` pending deliveries, `d0`, `d1`, ...
    func journal(deliveries count: Int) async throws -> SQLiteJournal {
        let directory = TestScratch.root.appendingPathComponent("marks-\(UUID().uuidString)").path
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

    /// What `whenDurable` heard, in order.
    final class Heard: Sendable {
        let outcomes = Mutex<[String]>([])
        func record(_ status: DeliveryStatus, _ detail: String?) { outcomes.withLock { $0.append(status.rawValue + (detail.map { " " + $0 } ?? "")) } }
        var all: [String] { outcomes.withLock { $0 } }
    }

    /// A gate whose three window slots are taken, as three started deliveries hold them.
    func gateWithThreeCalls() async throws -> ChannelGate {
        let gate = ChannelGate(concurrency: 3, rate: nil, clock: SystemClock())
        for _ in 0..<3 { try await gate.acquire() }
        return gate
    }

    @Test func marksWaitForTheCallsStillInFlightAndShareOneCommit() async throws {
        let journal = try await journal(deliveries: 3)
        let heard = Heard()
        let marks = DeliveryMarks(journal: journal) { heard.record($0, $1) }
        let gate = try await gateWithThreeCalls()
        for _ in 0..<3 { marks.callStarting() }
        let commitsBefore = await journal.commits

        marks.callEnded()
        gate.endCall()
        await marks.mark(DeliveryMark(key: "d0", status: .sent, attempts: 1, at: start), gate: gate)
        marks.callEnded()
        gate.endCall()
        await marks.mark(DeliveryMark(key: "d1", status: .failed, attempts: 3, detail: "503", at: start), gate: gate)
        // A call is still in flight: nothing is committed, counted or out of the window yet.
        #expect(try await statuses(journal) == ["d0": .pending, "d1": .pending, "d2": .pending])
        #expect(heard.all.isEmpty)
        #expect(gate.counts.unconfirmed == 3)

        // The last call ends: its mark commits all three, once, and only then are they done.
        marks.callEnded()
        gate.endCall()
        await marks.mark(DeliveryMark(key: "d2", status: .sent, attempts: 1, at: start), gate: gate)
        #expect(try await statuses(journal) == ["d0": .sent, "d1": .failed, "d2": .sent])
        #expect(await journal.commits == commitsBefore + 1)
        #expect(try await journal.deliveries(incident: "i1", step: "s").first { $0.key == "d1" }?.detail == "503")
        #expect(heard.all == ["sent", "failed 503", "sent"])
        #expect(gate.counts.unconfirmed == 0)
    }

    @Test func aFullBatchCommitsWhileCallsAreStillInFlight() async throws {
        let journal = try await journal(deliveries: 3)
        let heard = Heard()
        let marks = DeliveryMarks(journal: journal, gatherUpTo: 2) { heard.record($0, $1) }
        let gate = try await gateWithThreeCalls()
        for _ in 0..<3 { marks.callStarting() }
        marks.callEnded()
        await marks.mark(DeliveryMark(key: "d0", status: .sent, attempts: 1, at: start), gate: gate)
        marks.callEnded()
        await marks.mark(DeliveryMark(key: "d1", status: .sent, attempts: 1, at: start), gate: gate)
        // Two marks made a batch; the third call is still in flight and keeps its window slot.
        #expect(try await statuses(journal) == ["d0": .sent, "d1": .sent, "d2": .pending])
        #expect(heard.all == ["sent", "sent"])
        #expect(gate.counts.unconfirmed == 1)
    }

    @Test func aSentDeliveryWhoseMarkCannotBeWrittenCountsAsFailed() async throws {
        let journal = try await journal(deliveries: 1)
        // Every mark now fails, with a reason naming a secret that the redactor hides.
        try SQLiteDatabase(path: journal.path).execute(
            "CREATE TRIGGER no_marks BEFORE UPDATE ON deliveries BEGIN SELECT RAISE(ABORT, 'disk full under state-secret'); END;")
        let heard = Heard()
        let marks = DeliveryMarks(journal: journal, redact: { $0.replacingOccurrences(of: "state-secret", with: "[redacted]") }) { heard.record($0, $1) }
        let gate = ChannelGate(concurrency: 1, rate: nil, clock: SystemClock())
        try await gate.acquire()
        marks.callStarting()
        marks.callEnded()
        gate.endCall()
        await marks.mark(DeliveryMark(key: "d0", status: .sent, attempts: 1, at: start), gate: gate)
        #expect(heard.all.count == 1)
        #expect(heard.all.first?.hasPrefix("failed ") == true)
        #expect(heard.all.first?.contains("disk full under [redacted]") == true)
        #expect(try await statuses(journal) == ["d0": .pending])
        #expect(gate.counts.unconfirmed == 0)
    }
}
