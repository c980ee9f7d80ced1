import Foundation
import PlaybookCore
@testable import PlaybookEngine
import Testing

@Suite struct EngineTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:39:00Z")!

    func engine(_ fixture: EngineFixture, _ channels: RecordingChannels, clock: any EngineClock, stop: StopSignal = StopSignal(), secrets: [String] = []) -> Engine {
        Engine(journal: fixture.journal, channels: channels, clock: clock, redactor: SecretRedactor(secrets: secrets), stop: stop)
    }

    /// The engine schedules each step at its planned offset from the incident's start (steps
    /// after a `wait` from its real end), on the simulated clock: exactly then.
    @Test func stepsStartAtTheirPlannedOffsets() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: timing
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: a, post: { to: [out], text: a } }
              - { id: w, wait: { for: 30m } }
              - { id: b, after: [a, w], delay: 5m, post: { to: [out], text: b } }
              - { id: c, at: 10m, post: { to: [out], text: c } }
            """)
        let progress = ProgressLog()
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start, progress: progress)
        let playbook = fixture.playbook
        let outcome = try await world.run { try await $0.run(playbook, .init()) }
        #expect(outcome.statuses == ["a": .succeeded, "w": .succeeded, "b": .succeeded, "c": .succeeded])
        let incident = try #require(try await fixture.journal.incidents().first)
        #expect(incident.startedAt == Self.start)
        #expect(progress.waits["a"] == nil, "a starts at once")
        #expect(progress.waits["c"] == Self.start.addingTimeInterval(600))
        let started = Dictionary(try await fixture.journal.steps(incident: incident.id).map { ($0.step, $0.startedAt ?? .distantPast) }, uniquingKeysWith: { a, _ in a })
        #expect(started["c"] == Self.start.addingTimeInterval(600))
        #expect(started["b"] == Self.start.addingTimeInterval(2100))
        let sent = await world.channels.sent
        #expect(sent.map(\.message.text) == ["a", "c", "b"])
        #expect(sent.map { $0.at.timeIntervalSince(Self.start) } == [0, 600, 2100])
    }

    @Test func conditionsAreEvaluatedWhenTheStepStarts() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: conditions
            triggers: [{ id: t, platform_down: { platforms: [facebook, instagram] } }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: a, post: { to: [out], text: a } }
              - { id: fallback, after: [a], if: "steps.a.status == 'failed'", post: { to: [out], text: fallback } }
              - { id: fb, if: "'facebook' in trigger.platforms", post: { to: [out], text: "{{ trigger.platform_names }} down" } }
              - { id: wa, if: "'whatsapp' in trigger.platforms", post: { to: [out], text: wa } }
            """)
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
                let scope = Planner.scope(of: fixture.playbook)
        let outcome = try await engine(fixture, channels, clock: clock).run(
            fixture.playbook, .init(assignments: [try FactAssignment.parse("trigger.platforms=facebook,instagram", scope: scope)]))
        #expect(outcome.statuses == ["a": .succeeded, "fallback": .skipped, "fb": .succeeded, "wa": .skipped])
        #expect(await channels.sent.map(\.message.text).contains("Facebook and Instagram down"))
    }

    /// Retries wait as the provider says; a permanent failure is not retried. A failure stops
    /// nothing else, and only one without `continue_on_error` fails the run.
    @Test func retriesHonourHintsAndPermanentFailuresAreNotRetried() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: retries
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: flaky, retry: { attempts: 3, backoff: 1s }, post: { to: [out], text: flaky } }
              - { id: broken, post: { to: [out], text: broken } }
              - { id: after-broken, after: [broken], post: { to: [out], text: x } }
              - { id: tolerant, continue_on_error: true, post: { to: [out], text: tolerant } }
              - { id: after-tolerant, after: [tolerant], post: { to: [out], text: y } }
            """)
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start)
        let channels = world.channels
        await channels.setScript("/flaky/out", [.retryable("busy", after: 30), .retryable("busy", after: 30)])
        await channels.setScript("/broken/out", [.permanent("bad token"), .permanent("bad token")])
        await channels.setScript("/tolerant/out", [.permanent("nope")])
        let playbook = fixture.playbook
        let outcome = try await world.run { try await $0.run(playbook, .init()) }
        // Each retry waits the 30 s the provider asked for.
        #expect(await channels.sent.first { $0.message.step == "flaky" }?.at == Self.start.addingTimeInterval(60))
        #expect(outcome.statuses["flaky"] == .succeeded)
        let attempts = await channels.attempts
        #expect(attempts.first { $0.key.hasSuffix("/flaky/out") }?.value == 3)
        #expect(outcome.statuses["broken"] == .failed)
        #expect(attempts.first { $0.key.hasSuffix("/broken/out") }?.value == 1)
        #expect(outcome.statuses["after-broken"] == .succeeded)
        #expect(outcome.statuses["tolerant"] == .failed)
        #expect(outcome.statuses["after-tolerant"] == .succeeded)
        #expect(outcome.failsRun)
    }

    /// Runs a one-step `notify` to `contacts` contacts, the SMS provider rejecting those that
    /// `rejecting` picks (by number); returns the step's status, the counts progress reported, as
    /// `done/total` (with `+` while the total may still grow), and the lines it logged.
    func notifyReportingCounts(
        contacts: Int, rejecting: (Int) -> Bool = { _ in false }
    ) async throws -> (status: StepStatus?, counts: [String], logged: [String]) {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: counts
            triggers: [{ id: t, manual: {} }]
            channels: { sms: { type: twilio, account_sid: AC1, auth_token: x, from: "+390000000000" } }
            audience: { contacts: contacts.csv, segments: { all: "true" } }
            steps: [{ id: tell, notify: { segment: all, via: [sms], message: { text: "Hi {{ contact.name }}" } } }]
            """, contacts: contacts)
        let progress = ProgressLog()
        let world = SimulatedEngine(journal: fixture.journal, start: Self.start, progress: progress)
        await world.channels.setRejected(Set((0..<contacts).filter(rejecting).map { "+39333\(String(format: "%07d", $0))" }))
        let playbook = fixture.playbook
        let outcome = try await world.run { try await $0.run(playbook, .init()) }
        return (outcome.statuses["tell"], progress.deliveries, progress.logged)
    }

    /// A person watching a run reads each count once: every hundredth delivery, and the last one
    /// only in the step's closing report (it used to come twice when the total was a multiple of 100).
    @Test func theLastDeliveryCountIsReportedOnce() async throws {
        let (status, counts, _) = try await notifyReportingCounts(contacts: 300)
        #expect(status == .succeeded)
        #expect(counts.filter { $0 == "300/300" }.count == 1, "\(counts)")
        #expect(counts.last == "300/300")
    }

    /// A fan-out sends before it has read every contact: while it reads, its counts say the total
    /// may still grow ("100/512+"), and once every contact is read the total is final.
    @Test func aTotalThatMayStillGrowIsMarked() async throws {
        let (status, counts, _) = try await notifyReportingCounts(contacts: 1_500)
        #expect(status == .succeeded)
        let growing = counts.prefix { $0.hasSuffix("+") }
        #expect(!growing.isEmpty, "\(counts)")
        // Once final, never growing again; a growing total is never above the final one.
        #expect(counts.dropFirst(growing.count).allSatisfy { !$0.hasSuffix("+") }, "\(counts)")
        #expect(growing.allSatisfy { Int($0.split(separator: "/")[1].dropLast())! <= 1_500 }, "\(counts)")
        #expect(counts.last == "1500/1500")
    }

    /// A channel that fails every call (a wrong URL, an expired token) would have every delivery
    /// tried with its retries: once the first 32 have all failed, the person watching is told,
    /// once, with the first reason, and that what has not been tried stays pending if they stop.
    @Test func aFanOutWhoseFirstDeliveriesAllFailSaysSoOnce() async throws {
        let (status, _, logged) = try await notifyReportingCounts(contacts: 100, rejecting: { _ in true })
        #expect(status == .failed)
        #expect(
            logged == [
                "none of the first 32 deliveries went out — first failure: recipient +393330000000 rejected (after 1 attempt). The "
                    + "others are still tried, each with its retries; to fix the channel first, stop the run: deliveries not yet tried stay "
                    + "pending, and running it again sends them; those that failed go out again with --retry-failed"
            ])
    }

    /// Some bad addresses among good ones are no reason to worry the person watching.
    @Test func aFanOutWithSomeFailuresDoesNotWarn() async throws {
        let (status, _, logged) = try await notifyReportingCounts(contacts: 100, rejecting: { $0 % 2 == 0 })
        #expect(status == .failed)
        #expect(logged.isEmpty)
    }

    @Test func fanOutRespectsConsentAndResumesWithoutSendingTwice() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: fanout
            triggers: [{ id: t, manual: {} }]
            channels:
              mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
              sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
            audience: { contacts: contacts.csv, segments: { all: "true" } }
            steps:
              - { id: tell, notify: { segment: all, via: [mail, sms], message: { subject: "Hi", text: "Hi {{ contact.name }}" } } }
            """, contacts: 600, extraContacts: [
                "x1,No Consent,nc@example.com,+393330000999,fan,false,false,Europe/Rome,en",
                "x2,Duplicate,p1@example.com,,fan,true,false,Europe/Rome,en",
            ])
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
        await channels.setHoldAfter(250)
        let stop = StopSignal()
        let first = Task { try await engine(fixture, channels, clock: clock, stop: stop).run(fixture.playbook, .init()) }
        while await channels.sent.count < 250 { try await Task.sleep(nanoseconds: 5_000_000) }
        stop.request()
        await channels.releaseHeld()
        let interrupted = try await first.value
        #expect(interrupted.interrupted)
        let sentBefore = await channels.sent.count
        #expect(sentBefore < 600)

        let outcome = try await engine(fixture, channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.resumed)
        #expect(outcome.statuses["tell"] == .succeeded)
        let sent = await channels.sent
        let keys = sent.map(\.message.idempotencyKey)
        #expect(Set(keys).count == keys.count, "a delivery was sent twice")
        #expect(sent.count == 600)
        #expect(sent.allSatisfy { $0.channel == "mail" })
        #expect(!sent.contains { $0.message.contact?.id == "x1" || $0.message.contact?.id == "x2" })
    }

    @Test func recoveryResumesExactlyWhatWasPaused() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: ads
            triggers: [{ id: t, manual: {} }]
            channels: { meta: { type: meta_ads, ad_account: act_1, access_token: "${env.META}" } }
            steps:
              - { id: pause, pause_ads: { channel: meta, campaigns: { name_matches: "^Autumn" } } }
            recovery:
              - { id: resume, resume_ads: { channel: meta } }
            """)
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
        let run = try await engine(fixture, channels, clock: clock).run(fixture.playbook, .init())
        #expect(run.statuses["pause"] == .succeeded)
        // A later process: a fresh engine over the same journal.
        let recovered = try await engine(fixture, channels, clock: clock).recover(fixture.playbook)
        #expect(recovered.statuses["resume"] == .succeeded)
        let calls = await channels.adsCalls
        #expect(calls.filter { $0.0 == "pause" }.map(\.1).sorted() == ["1", "3"])
        #expect(calls.filter { $0.0 == "resume" }.map(\.1).sorted() == ["1", "3"])
        #expect(try await fixture.journal.unfinishedIncident(playbook: "ads") == nil)
    }

    @Test func quietHoursDeferSMSToTheEndOfTheWindowInTheContactsTimezone() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: quiet
            triggers: [{ id: t, manual: {} }]
            channels:
              sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
            audience: { contacts: contacts.csv, segments: { all: "true" } }
            settings: { quiet_hours: "21:00-08:00" }
            steps:
              - { id: tell, notify: { segment: all, via: [sms], message: { text: "Hi" } } }
            """, extraContacts: [
                "rome,Rome,,+393331111111,fan,false,true,Europe/Rome,it",
                "ny,New York,,+12025550100,fan,false,true,America/New_York,en",
            ])
        // 21:30 in Rome (19:30 UTC); 15:30 in New York.
        let start = ISO8601DateFormatter().date(from: "2021-10-04T19:30:00Z")!
        let world = SimulatedEngine(journal: fixture.journal, start: start)
        let playbook = fixture.playbook
        let outcome = try await world.run { try await $0.run(playbook, .init()) }
        let channels = world.channels
        #expect(outcome.statuses["tell"] == .succeeded)
        let incident = try #require(try await fixture.journal.incidents().first)
        let deliveries = try await fixture.journal.deliveries(incident: incident.id, step: "tell")
        // 08:00 in Rome is 06:00 UTC the next day; New York (15:30 there) is not deferred.
        let morning = ISO8601DateFormatter().date(from: "2021-10-05T06:00:00Z")!
        #expect(deliveries.first { $0.contact == "rome" }?.deferredUntil == morning)
        #expect(deliveries.first { $0.contact == "ny" }?.deferredUntil == nil)
        #expect(deliveries.allSatisfy { $0.status == .sent })
        let sent = await channels.sent
        let rome = try #require(sent.first { $0.message.contact?.id == "rome" })
        let newYork = try #require(sent.first { $0.message.contact?.id == "ny" })
        #expect(newYork.at == start)
        #expect(rome.at == morning)
    }

    @Test func secretsNeverReachTheJournal() async throws {
        let fixture = try EngineFixture("""
            version: 1
            playbook: secrets
            triggers: [{ id: t, manual: {} }]
            channels: { out: { type: file, path: out.jsonl } }
            steps:
              - { id: a, post: { to: [out], text: a } }
            """)
        let clock = FastClock(origin: Self.start)
        let channels = RecordingChannels(clock: clock)
        let secret = "sk_live_SUPERSECRET123"
        await channels.setScript("/a/out", [.permanent("token \(secret) refused")])
        _ = try await engine(fixture, channels, clock: clock, secrets: [secret]).run(fixture.playbook, .init())
        let database = try Data(contentsOf: URL(fileURLWithPath: fixture.journal.path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: fixture.journal.path + "-wal"))) ?? Data()
        #expect(!String(decoding: database + wal, as: UTF8.self).contains(secret))
        let incident = try #require(try await fixture.journal.incidents().first)
        let steps = try await fixture.journal.steps(incident: incident.id)
        #expect(steps.first?.detail?.contains("[redacted]") == true)
    }

    @Test func restoringMovesGoBackOrToNowPlusFifteenMinutesInOrder() {
        let now = Self.start
        let moves = [
            PostMove(postID: "future", network: "instagram", from: now.addingTimeInterval(3600), to: now.addingTimeInterval(3600 + 172_800)),
            PostMove(postID: "past-2", network: "facebook", from: now.addingTimeInterval(-600), to: now.addingTimeInterval(171_000)),
            PostMove(postID: "past-1", network: "instagram", from: now.addingTimeInterval(-1200), to: now.addingTimeInterval(170_000)),
        ]
        let back = Engine.restoringMoves(moves, now: now)
        #expect(back.map(\.postID) == ["past-1", "past-2", "future"])
        #expect(back[0].to == now.addingTimeInterval(900))
        #expect(back[1].to == now.addingTimeInterval(960))
        #expect(back[2].to == now.addingTimeInterval(3600))
        #expect(back[2].from == now.addingTimeInterval(3600 + 172_800))
    }
}

/// Records the moments the engine decided to wait until, by step, and the delivery counts it
/// reported (`done/total`).
final class ProgressLog: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String: Date] = [:]
    private var counted: [String] = []
    private var lines: [String] = []

    func report(_ event: ProgressEvent) {
        switch event {
        case .stepWaiting(let step, let until): lock.withLock { recorded[step] = until }
        case .log(_, let message): lock.withLock { lines.append(message) }
        case .deliveries(_, let done, _, let total, let counting): lock.withLock { counted.append("\(done)/\(total)\(counting ? "+" : "")") }
        default: break
        }
    }

    var waits: [String: Date] { lock.withLock { recorded } }
    var deliveries: [String] { lock.withLock { counted } }
    var logged: [String] { lock.withLock { lines } }
}


