import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

/// What `status` and `history` print, rendered from reports without a journal, and read from one.
@Suite struct IncidentReportRendererTests {
    static let start = Date(timeIntervalSince1970: 1_633_362_000)  // 2021-10-04T15:40:00Z

    static let report = IncidentReport(
        incident: IncidentRecord(id: "inc-1", playbook: "meta-outage", trigger: "meta-down", startedAt: start, resolvedAt: start + 600, status: .recovering),
        steps: [
            StepRecord(
                incident: "inc-1", step: "warn", section: "steps", status: .failed, attempts: 2, startedAt: start, finishedAt: start + 60,
                detail: "1 delivery failed"),
            StepRecord(incident: "inc-1", step: "resume-ads", section: "recovery", status: .pending, attempts: 0, startedAt: nil, finishedAt: nil, detail: nil),
        ],
        deliveryCounts: ["warn": [.failed: 1, .sent: 2]],
        failures: [
            DeliveryRecord(
                key: "k2", incident: "inc-1", step: "warn", channel: "sms", contact: "c2", address: "+39", status: .failed, detail: "400 bad number"),
            DeliveryRecord(key: "k3", incident: "inc-1", step: "warn", channel: "ops", contact: "", address: "", status: .failed, detail: nil),
        ])

    @Test func textShowsTheIncidentItsStepsWithDeliveryCountsAndItsFailures() {
        #expect(
            IncidentReportRenderer(format: .text).render([Self.report], empty: "no active incidents") == """
                inc-1  recovering  playbook meta-outage, trigger meta-down, started 2021-10-04T15:40:00Z, resolved 2021-10-04T15:50:00Z
                  warn: failed (2 sent, 1 failed) — 1 delivery failed
                  recovery resume-ads: pending
                  failed: warn via sms to c2: 400 bad number
                  failed: warn via ops to -: \n
                """)
    }

    /// An incident in `status` with one failed step `s` in `section`; with `approval`, `s` is an
    /// approval that was denied.
    static func failedStep(_ status: IncidentRecord.Status, _ section: String, approval: Bool = false) -> IncidentReport {
        IncidentReport(
            incident: IncidentRecord(id: "inc-1", playbook: "p", trigger: "t", startedAt: start, status: status),
            steps: [StepRecord(incident: "inc-1", step: "s", section: section, status: .failed, attempts: 1, startedAt: nil, finishedAt: nil, detail: nil)],
            deliveryCounts: [:], failures: [],
            approvals: approval ? [ApprovalRecord(incident: "inc-1", step: "s", tokenID: "a", requestedAt: start, expiresAt: start + 60, status: .denied)] : [])
    }

    /// An unfinished incident with a failed step says how to send again what failed; an
    /// approval that was denied is a decision, never retried, and the hint does not offer it.
    @Test func textSaysHowToRetryAFailedStepButNotADeniedApproval() {
        #expect(IncidentReportRenderer.retryHint(Self.failedStep(.active, "steps")) == "once the cause is fixed, 'playbook run' with --retry-failed sends again only what failed")
        #expect(
            IncidentReportRenderer.retryHint(Self.failedStep(.recovering, "recovery"))
                == "once the cause is fixed, 'playbook recover' with --retry-failed runs the failed recovery steps again")
        #expect(IncidentReportRenderer.retryHint(Self.failedStep(.active, "steps", approval: true)) == nil)
        #expect(IncidentReportRenderer.retryHint(Self.failedStep(.finished, "recovery")) == nil)
        #expect(IncidentReportRenderer.text(Self.failedStep(.active, "steps")).hasSuffix("  once the cause is fixed, 'playbook run' with --retry-failed sends again only what failed\n"))
    }

    /// What a retry would send again (the console's "Retry what failed"): the failed steps of an
    /// active incident, the failed recovery of one that recovers or has finished; never a decision,
    /// and never the steps of an incident that has resolved.
    @Test func theRetryableSectionIsTheOneAFailureCanBeSentAgainIn() {
        #expect(Self.failedStep(.active, "steps").retryableSection == "steps")
        #expect(Self.failedStep(.active, "steps", approval: true).retryableSection == nil)
        #expect(Self.failedStep(.recovering, "recovery").retryableSection == "recovery")
        #expect(Self.failedStep(.finished, "recovery").retryableSection == "recovery")
        #expect(Self.failedStep(.recovering, "steps").retryableSection == nil)
        #expect(Self.failedStep(.finished, "steps").retryableSection == nil)
    }

    @Test func textWithoutIncidentsSaysSo() {
        #expect(IncidentReportRenderer(format: .text).render([], empty: "no incidents yet") == "no incidents yet\n")
    }

    @Test func jsonIsOneArrayWithTheIncidentsStepsDeliveriesAndFailures() throws {
        let output = IncidentReportRenderer(format: .json).render([Self.report], empty: "ignored")
        #expect(output.hasSuffix("]\n"))
        let items = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        let incident = try #require(items.first)
        #expect(items.count == 1)
        #expect(incident["id"] as? String == "inc-1")
        #expect(incident["status"] as? String == "recovering")
        #expect(incident["started_at"] as? String == "2021-10-04T15:40:00Z")
        #expect(incident["resolved_at"] as? String == "2021-10-04T15:50:00Z")
        let steps = try #require(incident["steps"] as? [[String: Any]])
        #expect(steps.map { $0["id"] as? String } == ["warn", "resume-ads"])
        #expect(steps[0]["deliveries"] as? [String: Int] == ["sent": 2, "failed": 1])
        #expect(steps[0]["detail"] as? String == "1 delivery failed")
        #expect(steps[1]["deliveries"] == nil && steps[1]["detail"] == nil)
        #expect(steps[1]["started_at"] is NSNull)
        let failures = try #require(incident["failures"] as? [[String: String]])
        #expect(
            failures == [
                ["step": "warn", "channel": "sms", "contact": "c2", "reason": "400 bad number"],
                ["step": "warn", "channel": "ops", "contact": "", "reason": ""],
            ])
    }

    @Test func jsonWithoutIncidentsIsAnEmptyArray() throws {
        let output = IncidentReportRenderer(format: .json).render([], empty: "no active incidents")
        #expect(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [Any] != nil)
        #expect(!output.contains("no active incidents"))
    }

    /// Read from a journal: text lists ten failures, JSON twenty, so a mass bounce does not bury the steps.
    @Test func readFromTheJournalTextListsTenFailuresAndJSONTwenty() async throws {
        let directory = TestScratch.root.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = try SQLiteJournal(directory: directory.path)
        let incident = IncidentRecord(id: "inc-9", playbook: "p", trigger: "t", startedAt: Self.start)
        try await journal.createIncident(incident)
        try await journal.setStep(
            StepRecord(
                incident: "inc-9", step: "tell", section: "steps", status: .failed, attempts: 1, startedAt: Self.start, finishedAt: Self.start, detail: nil))
        let records = (0..<25).map {
            DeliveryRecord(key: "k\($0)", incident: "inc-9", step: "tell", channel: "sms", contact: "c\($0)", address: "a\($0)", status: .pending)
        }
        try await journal.planDeliveries(records, at: Self.start)
        // Marked together, as a fan-out does: the journal commits them as one group.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for record in records { group.addTask { try await journal.markDelivery(record.key, .failed, attempts: 1, detail: "bounced", at: Self.start) } }
            try await group.waitForAll()
        }

        let text = try await IncidentReportRenderer(format: .text).render([incident], from: journal, empty: "none")
        #expect(text.components(separatedBy: "  failed: ").count - 1 == 10)
        #expect(text.contains("  tell: failed (25 failed)\n"))
        #expect(
            text.hasSuffix(
                "  failed: tell via sms to c9: bounced\n  … and 15 more failed deliveries\n"
                    + "  once the cause is fixed, 'playbook run' with --retry-failed sends again only what failed\n"), "\(text)")
        let json = try await IncidentReportRenderer(format: .json).render([incident], from: journal, empty: "none")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect((items.first?["failures"] as? [Any])?.count == 20)
    }
}
