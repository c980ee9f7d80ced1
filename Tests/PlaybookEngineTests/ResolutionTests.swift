import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// What happens to an incident's steps and messages when it resolves while they wait, and quiet
/// hours that begin during a fan-out: the behaviours the outage soak found missing, each on a
/// small playbook, on the simulated clock (so the answer is the same on any machine).
@Suite struct ResolutionTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:43:00Z")!
    static let resolution = ISO8601DateFormatter().date(from: "2021-10-04T22:40:00Z")!

    /// Runs the playbook at `start` and, when `resolveAt` is given, recovers it then (as `playbook
    /// recover` or `watch` would, while the run still waits).
    func simulate(_ fixture: EngineFixture, resolveAt: Date?) async throws -> (RecordingChannels, Simulation) {
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let playbook = fixture.playbook
        if let resolveAt {
            _ = try await world.runAndRecover(playbook, at: resolveAt)
        } else {
            _ = try await world.run { try await $0.run(playbook, .init()) }
        }
        return (world.channels, world.simulation)
    }

    static let contacts = [
        "tokyo,Aiko,,+81900000001,,false,true,Asia/Tokyo,ja",  // 00:43 there at the start: quiet until 08:00 (23:00 UTC)
        "rome,Giulia,,+39333000001,,false,true,Europe/Rome,it",  // 17:43 there: sent at once
        "sydney,Liam,,+61400000001,,false,true,Australia/Sydney,en",  // 02:43 there: quiet until 08:00 (21:00 UTC)
    ]

    /// A message waiting for quiet hours is about the incident: when the incident has resolved by
    /// the time they end, it is not sent (journaled `cancelled`); recovery messages always go out.
    @Test func deferredMessagesAreCancelledWhenTheIncidentResolvesFirst() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: quiet
            triggers: [{ id: t, manual: {} }]
            channels: { sms: { type: twilio, account_sid: AC1, auth_token: x, from: "+390000000000" } }
            audience: { contacts: contacts.csv, segments: { everyone: "true" } }
            settings: { quiet_hours: "21:00-08:00" }
            steps: [{ id: warn, notify: { segment: everyone, via: [sms], message: { text: "down" } } }]
            recovery: [{ id: back, notify: { segment: everyone, via: [sms], message: { text: "back" } } }]
            """, extraContacts: Self.contacts)
        let (channels, _) = try await simulate(fixture, resolveAt: Self.resolution)
        let sent = await channels.sent.map { "\($0.message.text) \($0.message.contact?.id ?? "") \(ISO8601DateFormatter().string(from: $0.at))" }
        #expect(
            sent == [
                "down rome 2021-10-04T15:43:00Z", "down sydney 2021-10-04T21:00:00Z",
                // Recovery at 22:40: Sydney is up (09:40), Tokyo waits for 08:00 (23:00 UTC), Rome sleeps until 08:00 (06:00 UTC).
                "back sydney 2021-10-04T22:40:00Z", "back tokyo 2021-10-04T23:00:00Z", "back rome 2021-10-05T06:00:00Z",
            ], "\(sent)")
        let incident = try #require(try await fixture.journal.incidents().first)
        let warn = try await fixture.journal.deliveries(incident: incident.id, step: "warn")
        let tokyo = try #require(warn.first { $0.contact == "tokyo" })
        #expect(tokyo.status == .cancelled)
        #expect(tokyo.detail == "not sent: the incident resolved before quiet hours ended")
        let steps = try await fixture.journal.steps(incident: incident.id)
        #expect(steps.first { $0.step == "warn" }?.detail == "2 deliveries sent; 1 not sent: the incident resolved before their quiet hours ended")
        #expect(incident.status == .finished)
    }

    /// No step of an incident starts once it has resolved: those due later are skipped, whatever
    /// their `if` — `incident.active` included, which is true only while the incident is.
    @Test func stepsDueAfterTheResolutionAreSkipped() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: late
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: now, post: { to: [out], text: now } }
              - { id: late, at: 8h, post: { to: [out], text: late } }
              - { id: later, at: 9h, if: "incident.active", post: { to: [out], text: later } }
            recovery: [{ id: back, post: { to: [out], text: back } }]
            """)
        let (channels, _) = try await simulate(fixture, resolveAt: Self.resolution)
        #expect(await channels.sent.map(\.message.text) == ["now", "back"])
        let incident = try #require(try await fixture.journal.incidents().first)
        let steps = Dictionary(try await fixture.journal.steps(incident: incident.id).map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        for id in ["late", "later"] {
            #expect(steps[id]?.status == .skipped)
            #expect(steps[id]?.detail == "skipped: the incident resolved before it was due")
        }
    }

    /// Quiet hours are decided again when a rate-limited fan-out reaches each contact: one that
    /// started before the window does not keep texting into it.
    @Test func quietHoursThatBeginDuringAFanOutDeferTheRest() async throws {
        let rows = (0..<30).map { "k\($0),K \($0),,+9198000000\(String(format: "%02d", $0)),,false,true,Asia/Kolkata,en" }
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: ratelimited
            triggers: [{ id: t, manual: {} }]
            channels: { sms: { type: twilio, account_sid: AC1, auth_token: x, from: "+390000000000", rate: 1/s } }
            audience: { contacts: contacts.csv, segments: { everyone: "true" } }
            settings: { quiet_hours: "21:30-08:30" }
            steps: [{ id: warn, notify: { segment: everyone, via: [sms], message: { text: "down" } } }]
            """, extraContacts: rows)
        // 15:59:50 UTC is 21:29:50 in Kolkata: ten seconds before the window, at one text a second.
        let simulation = Simulation(origin: ISO8601DateFormatter().date(from: "2021-10-04T15:59:50Z")!)
        let journal = fixture.journal
        simulation.idleBarrier = { try? await journal.log(incident: "simulation-barrier", step: nil, message: "", at: Self.start) }
        let channels = RecordingChannels(clock: simulation)
        let engine = Engine(journal: fixture.journal, channels: channels, clock: simulation)
        let playbook = fixture.playbook
        try await simulation.run { _ = try await engine.run(playbook, .init()) }
        let windowStart = ISO8601DateFormatter().date(from: "2021-10-04T16:00:00Z")!
        let windowEnd = ISO8601DateFormatter().date(from: "2021-10-05T03:00:00Z")!
        let sent = await channels.sent
        #expect(sent.count == 30)
        let early = sent.filter { $0.at < windowStart }
        #expect(early.count == 10, "\(early.map(\.at))")
        #expect(sent.allSatisfy { $0.at < windowStart || $0.at >= windowEnd }, "\(sent.map(\.at))")
    }
}
