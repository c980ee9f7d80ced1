import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookPostgres
import Testing

/// What every journal must do, run against each implementation (SQLite always, PostgreSQL when
/// the test server is there).
@Suite struct JournalConformanceTests {
    static let t0 = Date(timeIntervalSince1970: 1_633_361_940)

    @Test(arguments: Backend.testable) func incidentsOpenResolveAndFinish(_ backend: Backend) async throws {
        let journal = try await backend.open()
        defer { Task { await journal.close() } }
        #expect(try await journal.unfinishedIncident(playbook: "p") == nil)
        let first = IncidentRecord(id: "p-1", playbook: "p", trigger: "t", startedAt: Self.t0, facts: #"{"platforms":["facebook"]}"#)
        try await journal.createIncident(first)
        try await journal.createIncident(IncidentRecord(id: "q-1", playbook: "q", trigger: "t", startedAt: Self.t0.addingTimeInterval(5)))
        #expect(try await journal.unfinishedIncident(playbook: "p") == first)
        #expect(try await journal.incidentStatus("p-1") == .active)
        #expect(try await journal.incidentStatus("nope") == nil)
        #expect(try await journal.incident("p-1") == first)
        #expect(try await journal.incident("nope") == nil)

        try await journal.setIncident("p-1", status: .recovering, resolvedAt: Self.t0.addingTimeInterval(60))
        let recovering = try #require(try await journal.unfinishedIncident(playbook: "p"))
        #expect(recovering.status == .recovering && recovering.resolvedAt == Self.t0.addingTimeInterval(60))
        try await journal.setIncident("p-1", status: .finished)
        #expect(try await journal.unfinishedIncident(playbook: "p") == nil)
        #expect(try await journal.incidents().map(\.id) == ["q-1", "p-1"])
        #expect(try await journal.incidents(unfinishedOnly: true).map(\.id) == ["q-1"])
        #expect(try await journal.incidents(limit: 1).map(\.id) == ["q-1"])
        #expect(try await journal.incidents().last?.resolvedAt == Self.t0.addingTimeInterval(60))
    }

    @Test(arguments: Backend.testable) func stepsKeepTheirFirstStartAndTheirOrder(_ backend: Backend) async throws {
        let journal = try await backend.open()
        defer { Task { await journal.close() } }
        try await journal.createIncident(IncidentRecord(id: "i", playbook: "p", trigger: "t", startedAt: Self.t0))
        for id in ["b", "a", "c"] {
            try await journal.setStep(
                StepRecord(incident: "i", step: id, section: "steps", status: .running, attempts: 1, startedAt: Self.t0, finishedAt: nil, detail: nil))
        }
        try await journal.setStep(
            StepRecord(
                incident: "i", step: "a", section: "steps", status: .failed, attempts: 2, startedAt: Self.t0.addingTimeInterval(9),
                finishedAt: Self.t0.addingTimeInterval(10), detail: "boom"))
        let steps = try await journal.steps(incident: "i")
        #expect(steps.map(\.step) == ["b", "a", "c"])
        let a = try #require(steps.first { $0.step == "a" })
        #expect(a.status == .failed && a.attempts == 2 && a.detail == "boom")
        #expect(a.startedAt == Self.t0, "the first start is kept")
        #expect(a.finishedAt == Self.t0.addingTimeInterval(10))
        #expect(try await journal.steps(incident: "other").isEmpty)
    }

    @Test(arguments: Backend.testable) func deliveriesArePlannedOnceAndMarked(_ backend: Backend) async throws {
        let journal = try await backend.open()
        defer { Task { await journal.close() } }
        try await journal.createIncident(IncidentRecord(id: "i", playbook: "p", trigger: "t", startedAt: Self.t0))
        func record(_ n: Int, status: DeliveryStatus = .pending, deferred: Date? = nil) -> DeliveryRecord {
            DeliveryRecord(
                key: "i/s/c\(n)/mail", incident: "i", step: "s", channel: "mail", contact: "c\(n)", address: "c\(n)@example.com", status: status,
                deferredUntil: deferred)
        }
        try await journal.planDeliveries((0..<300).map { record($0) }, at: Self.t0)
        try await journal.planDeliveries([record(300, status: .deferred, deferred: Self.t0.addingTimeInterval(3600))], at: Self.t0)
        try await journal.markDelivery("i/s/c0/mail", .sent, attempts: 2, at: Self.t0)
        // Planned again (a resumed run): the existing rows are left as they are.
        try await journal.planDeliveries([record(0), record(1)], at: Self.t0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1..<200 {
                group.addTask {
                    try await journal.markDelivery(
                        "i/s/c\(n)/mail", n % 50 == 0 ? .failed : .sent, attempts: 1, detail: n % 50 == 0 ? "HTTP 500" : nil, at: Self.t0)
                }
            }
            try await group.waitForAll()
        }
        try await journal.markDelivery("i/s/c250/mail", .attempting, at: Self.t0)
        try await journal.markDelivery("i/s/c250/mail", .failed, attempts: 3, detail: "timeout", at: Self.t0)

        let counts = try #require(try await journal.deliveryCounts(incident: "i")["s"])
        #expect(counts == [.sent: 197, .failed: 4, .pending: 99, .deferred: 1])
        let all = try await journal.deliveries(incident: "i", step: "s")
        #expect(all.count == 301)
        let first = try #require(all.first { $0.key == "i/s/c0/mail" })
        #expect(first.status == .sent && first.attempts == 2 && first.address == "c0@example.com" && first.channel == "mail")
        #expect(all.first { $0.contact == "c300" }?.deferredUntil == Self.t0.addingTimeInterval(3600))
        let failures = try await journal.failures(incident: "i")
        #expect(failures.count == 4)
        #expect(failures.first { $0.key == "i/s/c250/mail" }?.attempts == 3)
        #expect(Set(failures.compactMap(\.detail)) == ["HTTP 500", "timeout"])
        #expect(try await journal.failures(incident: "i", limit: 2).count == 2)
        let totals = try await journal.deliveryTotals()
        #expect(totals.first { $0.status == .sent }.map { [$0.playbook: $0.count] } == ["p": 197])
    }

    @Test(arguments: Backend.testable) func effectsAndLogKeepTheirOrder(_ backend: Backend) async throws {
        let journal = try await backend.open()
        defer { Task { await journal.close() } }
        try await journal.createIncident(IncidentRecord(id: "i", playbook: "p", trigger: "t", startedAt: Self.t0))
        for item in ["z", "y", "x"] {
            try await journal.recordEffect(incident: "i", step: "pause", kind: "paused", channel: "ads", item: item, data: "{}", status: "done")
        }
        try await journal.recordEffect(incident: "i", step: "resume", kind: "paused", channel: "ads", item: "y", data: #"{"b":1}"#, status: "undone")
        let effects = try await journal.effects(incident: "i", kind: "paused", channel: "ads")
        #expect(effects.map(\.item) == ["z", "y", "x"])
        #expect(effects[1].status == "undone" && effects[1].data == #"{"b":1}"#)
        try await journal.log(incident: "i", step: "a", message: "first", at: Self.t0)
        try await journal.log(incident: "i", step: nil, message: "second", at: Self.t0)
        let lines = try await journal.logLines(incident: "i")
        #expect(lines.map(\.message) == ["first", "second"])
        #expect(lines.map(\.step) == ["a", nil])
    }

    @Test(arguments: Backend.testable) func triggerStatesAndSamplesRoundTrip(_ backend: Backend) async throws {
        let journal = try await backend.open()
        defer { Task { await journal.close() } }
        let states = [
            SavedTriggerState(
                trigger: "a", state: .init(holds: true, since: Date(timeIntervalSince1970: 100), firedThisRun: true, inIncident: true),
                observedAt: Date(timeIntervalSince1970: 130), facts: #"{"platforms":["x"]}"#),
            SavedTriggerState(trigger: "b", state: .init(holds: nil, since: Date(timeIntervalSince1970: 0)), observedAt: nil),
        ]
        try await journal.saveTriggerStates(playbook: "p", states)
        #expect(try await journal.triggerStates(playbook: "p").sorted { $0.trigger < $1.trigger } == states)
        var changed = states[0]
        changed.state.holds = false
        try await journal.saveTriggerStates(playbook: "p", [changed])
        #expect(try await journal.triggerStates(playbook: "p").first { $0.trigger == "a" }?.state.holds == false)
        #expect(try await journal.triggerStates(playbook: "other").isEmpty)

        let base = Date(timeIntervalSince1970: 1_000_000)
        try await journal.addSamples([("p/web", base, 10), ("p/web", base.addingTimeInterval(60), 20), ("p/other", base.addingTimeInterval(30), 99)])
        #expect(try await journal.sample(series: "p/web", atOrBefore: base.addingTimeInterval(59), notBefore: base.addingTimeInterval(-300))?.value == 10)
        #expect(try await journal.sample(series: "p/web", atOrBefore: base.addingTimeInterval(400), notBefore: base.addingTimeInterval(100)) == nil)
        try await journal.pruneSamples(series: "p/web", before: base.addingTimeInterval(30))
        #expect(try await journal.sample(series: "p/web", atOrBefore: base.addingTimeInterval(59), notBefore: base.addingTimeInterval(-300)) == nil)
        #expect(try await journal.sample(series: "p/other", atOrBefore: base.addingTimeInterval(60), notBefore: base)?.value == 99)
    }
}
