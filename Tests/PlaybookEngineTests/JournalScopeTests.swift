import Foundation
import PlaybookCore
import PlaybookEngine
import Testing

/// `withJournal { }` closes the journal on every path: a return, a throw, an exit code thrown
/// halfway through a command.
@Suite struct JournalScopeTests {
    struct Stop: Error {}

    @Test func theJournalIsClosedWhenTheBodyReturns() async throws {
        let journal = ClosingJournal()
        let value = try await withJournal({ journal }, { _ in 42 })
        #expect(value == 42)
        #expect(await journal.closes == 1)
    }

    @Test func theJournalIsClosedWhenTheBodyThrows() async throws {
        let journal = ClosingJournal()
        await #expect(throws: Stop.self) {
            try await withJournal({ journal }, { _ in throw Stop() })
        }
        #expect(await journal.closes == 1)
    }

    @Test func whenOpeningFailsTheBodyDoesNotRunAndTheErrorIsThrownAsIs() async throws {
        var ran = false
        await #expect(throws: JournalFailure.self) {
            try await withJournal({ throw JournalFailure(description: "cannot open") }, { _ in ran = true })
        }
        #expect(!ran)
    }
}

/// A journal that only counts how often it is closed; anything else is a test's mistake.
actor ClosingJournal: Journal {
    private(set) var closes = 0
    nonisolated var location: String { "closing" }
    func close() async { closes += 1 }
    nonisolated func lockRuns(of playbook: String, by command: String) throws -> RunLock? { throw Self.unused }

    private static var unused: JournalFailure { JournalFailure(description: "not used in this test") }
    func createIncident(_ incident: IncidentRecord) async throws { throw Self.unused }
    func setIncident(_ id: String, status: IncidentRecord.Status, resolvedAt: Date?) async throws { throw Self.unused }
    func unfinishedIncident(playbook: String) async throws -> IncidentRecord? { throw Self.unused }
    func incidents(unfinishedOnly: Bool, limit: Int) async throws -> [IncidentRecord] { throw Self.unused }
    func incidentStatus(_ id: String) async throws -> IncidentRecord.Status? { throw Self.unused }
    func setStep(_ record: StepRecord) async throws { throw Self.unused }
    func steps(incident: String) async throws -> [StepRecord] { throw Self.unused }
    func planDeliveries(_ records: [DeliveryRecord], at now: Date) async throws { throw Self.unused }
    func markDelivery(_ key: String, _ status: DeliveryStatus, attempts: Int, detail: String?, at now: Date) async throws { throw Self.unused }
    func deliveries(incident: String, step: String) async throws -> [DeliveryRecord] { throw Self.unused }
    func deliveryCounts(incident: String) async throws -> [String: [DeliveryStatus: Int]] { throw Self.unused }
    func failures(incident: String, limit: Int) async throws -> [DeliveryRecord] { throw Self.unused }
    func deliveryTotals() async throws -> [(playbook: String, status: DeliveryStatus, count: Int)] { throw Self.unused }
    func recordEffect(incident: String, step: String, kind: String, channel: String, item: String, data: String, status: String) async throws {
        throw Self.unused
    }
    func effects(incident: String, kind: String, channel: String) async throws -> [(item: String, data: String, status: String)] { throw Self.unused }
    func log(incident: String, step: String?, message: String, at now: Date) async throws { throw Self.unused }
    func logLines(incident: String) async throws -> [(at: Date, step: String?, message: String)] { throw Self.unused }
    func saveTriggerStates(playbook: String, _ states: [SavedTriggerState]) async throws { throw Self.unused }
    func triggerStates(playbook: String) async throws -> [SavedTriggerState] { throw Self.unused }
    func addSamples(_ samples: [(series: String, at: Date, value: Double)]) async throws { throw Self.unused }
    func sample(series: String, atOrBefore time: Date, notBefore: Date) async throws -> (at: Date, value: Double)? { throw Self.unused }
    func pruneSamples(series: String, before time: Date) async throws { throw Self.unused }
}
