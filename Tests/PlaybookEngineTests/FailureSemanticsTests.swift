import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// During an incident a failure never cancels the rest: `after` orders steps and never makes them
/// depend on success; only a step's own `if` skips it, and `steps.ID.status` is `'pending'` until
/// that step has ended. Each rule on a small playbook, and the shipped Meta example, on the
/// simulated clock (the answer is the same on any machine).
@Suite struct FailureSemanticsTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:43:00Z")!
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs the playbook in `world` with the incident's `facts`, then `after` (e.g. a recovery).
    func simulate(
        _ playbook: Playbook, _ world: SimulatedEngine, facts: [(path: [String], value: Value)] = [],
        then after: (@Sendable (Engine) async throws -> Void)? = nil
    ) async throws -> Engine.Outcome {
        let request = Engine.RunRequest(assignments: facts)
        return try await world.run { engine in
            let outcome = try await engine.run(playbook, request)
            try await after?(engine)
            return outcome
        }
    }

    func steps(_ journal: any Journal) async throws -> [String: StepRecord] {
        let incident = try #require(try await journal.incidents().first)
        return Dictionary(try await journal.steps(incident: incident.id).map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func aStepAfterAFailedStepStillRuns() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: after-failure
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: broken, post: { to: [out], text: broken } }
              - { id: an-hour-later, after: [broken], delay: 1h, post: { to: [out], text: "still open" } }
            """)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        await channels.setScript("/broken/out", Array(repeating: .permanent("bad token"), count: 5))
        let outcome = try await simulate(fixture.playbook, world)
        #expect(outcome.statuses == ["broken": .failed, "an-hour-later": .succeeded])
        let sent = await channels.sent
        #expect(sent.map(\.message.text) == ["still open"])
        #expect(sent.first?.at == Self.start.addingTimeInterval(3_600))
    }

    /// A skipped step is waited for like any other: what comes after it runs, and a step after a
    /// failed one that its own `if` skips says so (not that the other step failed).
    @Test func aStepAfterASkippedStepStillRuns() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: after-skipped
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: broken, post: { to: [out], text: broken } }
              - { id: on-success, after: [broken], if: "steps.broken.status == 'succeeded'", post: { to: [out], text: thanks } }
              - { id: last, after: [on-success], post: { to: [out], text: last } }
            """)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        await channels.setScript("/broken/out", Array(repeating: .permanent("bad token"), count: 5))
        let outcome = try await simulate(fixture.playbook, world)
        #expect(outcome.statuses == ["broken": .failed, "on-success": .skipped, "last": .succeeded])
        let steps = try await steps(fixture.journal)
        #expect(steps["on-success"]?.detail == "its 'if' is false: steps.broken.status == 'succeeded'")
        #expect(await channels.sent.map(\.message.text) == ["last"])
    }

    /// The fallback of the language guide: texts go out only when the email step failed.
    @Test(arguments: [true, false]) func aFallbackSendsSMSOnlyWhenTheEmailFailed(emailFails: Bool) async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: fallback
            triggers: [{ id: t, manual: {} }]
            channels:
              mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
              sms: { type: twilio, account_sid: AC1, auth_token: x, from: "+390000000000" }
            audience: { contacts: contacts.csv, segments: { everyone: "true" } }
            steps:
              - { id: email, notify: { segment: everyone, via: [mail], message: { subject: Open, text: "We are open" } } }
              - id: sms-fallback
                after: [email]
                if: "steps.email.status == 'failed'"
                notify: { segment: everyone, via: [sms], message: { text: "We are open" } }
            """, contacts: 2)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        if emailFails { await channels.setRejected(["p0@example.com", "p1@example.com"]) }
        let outcome = try await simulate(fixture.playbook, world)
        let sent = await channels.sent
        if emailFails {
            #expect(outcome.statuses == ["email": .failed, "sms-fallback": .succeeded])
            #expect(sent.map(\.channel) == ["sms", "sms"])
            #expect(Set(sent.map(\.message.address)) == ["+393330000000", "+393330000001"])
        } else {
            #expect(outcome.statuses == ["email": .succeeded, "sms-fallback": .skipped])
            #expect(sent.map(\.channel) == ["mail", "mail"])
        }
    }

    /// `steps.ID.status` is `'pending'` while that step has not ended: running (a `wait`), not yet
    /// due, or in the other section (recovery, while the incident's steps run). A recovery step
    /// reads the outcome of the incident's steps from the journal.
    @Test func aStepThatHasNotEndedIsPending() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: pending
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: hold, wait: { for: 30m } }
              - { id: later, at: 2h, post: { to: [out], text: later } }
              - id: meanwhile
                at: 10m
                if: "steps.hold.status == 'pending' and steps.later.status == 'pending' and steps.back.status == 'pending'"
                post: { to: [out], text: meanwhile }
              - { id: then, after: [hold], if: "steps.hold.status == 'succeeded'", post: { to: [out], text: then } }
            recovery:
              - { id: back, if: "steps.later.status == 'succeeded'", post: { to: [out], text: back } }
            """)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        let playbook = fixture.playbook
        let outcome = try await simulate(playbook, world) { engine in
            let recovery = try await engine.recover(playbook)
            #expect(recovery.statuses == ["back": .succeeded])
        }
        #expect(outcome.statuses == ["hold": .succeeded, "later": .succeeded, "meanwhile": .succeeded, "then": .succeeded])
        #expect(await channels.sent.map(\.message.text) == ["meanwhile", "then", "later", "back"])
    }

    /// The shipped Meta example on a day when every social network refuses the post (and the
    /// calendar cannot be read): the customer email still goes out an hour later.
    @Test func theMetaExampleStillMailsEveryoneWhenEverySocialPostFailed() async throws {
        let directory = TestScratch.root.appendingPathComponent("meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["meta-outage.yaml", "contacts.csv", "content"] {
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("playbooks/\(name)"), to: directory.appendingPathComponent(name))
        }
        let loaded = try PlaybookLoader.load(path: directory.appendingPathComponent("meta-outage.yaml").path)
        let playbook = try #require(loaded.playbook)
        let journal = try SQLiteJournal(directory: directory.appendingPathComponent(".playbook").path)
        let world = SimulatedEngine(journal: journal, start: Self.start)
        let channels = world.channels
        for network in ["x", "mastodon", "telegram"] {
            await channels.setScript("/speak-elsewhere/\(network)", Array(repeating: .permanent("401 unauthorized"), count: 10))
        }
        let scope = Planner.scope(of: playbook)
        let outcome = try await simulate(playbook, world, facts: [try FactAssignment.parse("trigger.platforms=facebook,instagram,whatsapp", scope: scope)])
        #expect(outcome.statuses["speak-elsewhere"] == .failed)
        #expect(outcome.statuses["everyone"] == .succeeded)
        let mailed = await channels.sent.filter { $0.message.step == "everyone" }
        #expect(mailed.allSatisfy { $0.channel == "newsletter" && $0.at == Self.start.addingTimeInterval(70 * 60) })
        // Every contact of playbooks/contacts.csv with an email and consent for it.
        #expect(
            mailed.map(\.message.address).sorted() == [
                "anna@example.de", "emma@example.fr", "giulia@example.com", "james@example.co.uk", "marco@example.com", "noah@example.com",
            ])
    }

    /// When the incident resolves, its steps that have not started never will: they are journaled
    /// skipped at once, before recovery starts, so a recovery step reads `'skipped'` for them
    /// (not `'pending'` until their time would have come).
    @Test func theStepsAResolutionStopsAreSkippedBeforeRecoveryStarts() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: stopped
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: first, post: { to: [out], text: first } }
              - { id: late, at: 8h, post: { to: [out], text: late } }
            recovery:
              - { id: explain, if: "steps.late.status == 'skipped'", post: { to: [out], text: "late was skipped" } }
            """)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let resolution = Self.start.addingTimeInterval(3_600)
        let (_, recovery) = try await world.runAndRecover(fixture.playbook, at: resolution)
        #expect(recovery.statuses == ["explain": .succeeded])
        #expect(await world.channels.sent.map(\.message.text) == ["first", "late was skipped"])
        let late = try #require(try await steps(fixture.journal)["late"])
        #expect(late.status == .skipped)
        #expect(late.detail == "skipped: the incident resolved before it was due")
        #expect(late.startedAt == resolution)
    }

    /// A text held by quiet hours and cancelled because the incident resolved first is not a
    /// failure: a `notify` whose only remaining work was such messages ends `succeeded`, and the
    /// run does not fail.
    @Test func messagesCancelledByTheResolutionAreNotFailures() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: quiet
            triggers: [{ id: t, manual: {} }]
            channels: { sms: { type: twilio, account_sid: AC1, auth_token: x, from: "+390000000000" } }
            audience: { contacts: contacts.csv, segments: { everyone: "true" } }
            settings: { quiet_hours: "21:00-08:00" }
            steps: [{ id: warn, notify: { segment: everyone, via: [sms], message: { text: "down" } } }]
            """,
            // 00:43 in Tokyo at the start: quiet until 08:00 there (23:00 UTC).
            extraContacts: ["tokyo,Aiko,,+81900000001,,false,true,Asia/Tokyo,ja"])
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let (run, _) = try await world.runAndRecover(fixture.playbook, at: Self.start.addingTimeInterval(3_600))
        #expect(await world.channels.sent.isEmpty)
        #expect(run.statuses == ["warn": .succeeded])
        #expect(!run.failsRun)
        #expect(try await steps(fixture.journal)["warn"]?.detail == "0 deliveries sent; 1 not sent: the incident resolved before their quiet hours ended")
    }
}
