import Foundation
import PlaybookCore
import PlaybookEngine
import Testing

@testable import PlaybookConsole

/// "Retry what failed" on an incident's page: offered only where the serving process can do it
/// (a watch) and only when something failed that a retry sends again; a POST asks the backend
/// and comes back to the incident; otherwise it is refused with the reason and nothing is asked.
@Suite struct ConsoleRetryTests {
    static let incident = "/incidents/\(ConsoleFixture.incidentID)"
    static let button = "<form method=\"post\" action=\"/incidents/\(ConsoleFixture.incidentID)/retry\">"

    /// Marks `pause-note` (a log step, not an approval) failed in the fixture's incident.
    static func failPauseNote(_ fixture: ConsoleFixture) async throws {
        try await fixture.journal.setStep(
            StepRecord(
                incident: ConsoleFixture.incidentID, step: "pause-note", section: "steps", status: .failed, attempts: 1, startedAt: ConsoleFixture.start,
                finishedAt: ConsoleFixture.start, detail: "the log refused it"))
    }

    @Test func aWatchsConsoleOffersTheRetryOfAFailedStepAndAsksTheWatch() async throws {
        let fixture = try await ConsoleFixture(retriesFailures: true)
        try await fixture.test { client in
            let session = try #require(try await client.signIn())
            let before = try await client.get(Self.incident, cookie: session)
            #expect(!before.body.contains(Self.button), "nothing failed yet")
            let csrf = try #require(before.csrf)
            let early = try await client.post(Self.incident + "/retry", cookie: session, form: [("csrf", csrf)])
            #expect(early.status == .conflict)
            #expect(early.body.contains("incident \(ConsoleFixture.incidentID) has no failed step to send again"))

            try await Self.failPauseNote(fixture)
            let page = try await client.get(Self.incident, cookie: session)
            #expect(page.body.contains(Self.button))
            #expect(page.body.contains("<button type=\"submit\">Retry what failed</button>"))
            let retried = try await client.post(Self.incident + "/retry", cookie: session, form: [("csrf", csrf)])
            #expect(retried.status == .seeOther)
            #expect(retried.headers[.location] == Self.incident)
        }
        #expect(fixture.backend.calls.withLock { $0 } == ["retry meta-outage \(ConsoleFixture.incidentID)"])
    }

    @Test func aRunsConsoleDoesNotOfferItAndSaysWhatToDoInstead() async throws {
        let fixture = try await ConsoleFixture()
        try await Self.failPauseNote(fixture)
        try await fixture.test { client in
            let session = try #require(try await client.signIn())
            let page = try await client.get(Self.incident, cookie: session)
            #expect(!page.body.contains(Self.button))
            let csrf = try #require(page.csrf)
            let refused = try await client.post(Self.incident + "/retry", cookie: session, form: [("csrf", csrf)])
            #expect(refused.status == .conflict)
            #expect(refused.body.contains("this backend does not retry"))
        }
        #expect(fixture.backend.calls.withLock { $0 }.isEmpty)
    }

    /// A backend that does not retry (the run's) refuses with what to do instead.
    @Test func aBackendThatDoesNotRetrySaysToRetryFromTheCommandLine() async throws {
        struct RunLike: ConsoleBackend {
            let journal: any Journal
            var playbooks: [ConsolePlaybook] { [] }
            func recover(playbook: String) async throws -> String { "" }
            func run(playbook: String, trigger: String) async throws -> String { "" }
        }
        let fixture = try await ConsoleFixture()
        let backend = RunLike(journal: fixture.journal)
        #expect(!backend.retriesFailures)
        await #expect(throws: ConsoleRefusal.self) { try await backend.retryFailed(playbook: "meta-outage", incident: ConsoleFixture.incidentID) }
        do {
            _ = try await backend.retryFailed(playbook: "meta-outage", incident: ConsoleFixture.incidentID)
        } catch {
            #expect("\(error)" == "this console ends with its run: once the run has ended, the same 'playbook run' with --retry-failed sends again only what failed")
        }
    }
}
