import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookPostgres
import PlaybookTestSupport
import Synchronization
import Testing

/// Channels that count what each runner sent, by idempotency key.
final class CountingChannels: ChannelRegistry, MessageChannel, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: Int] = [:]
    private var texts: [String: String] = [:]
    /// Each send takes this long (a slow provider), so that several runners overlap.
    let latency: Double

    init(latency: Double = 0.002) { self.latency = latency }

    var sent: [String: Int] { lock.withLock { keys } }
    var count: Int { lock.withLock { keys.values.reduce(0, +) } }
    func text(_ key: String) -> String? { lock.withLock { texts[key] } }

    func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try? await Task.sleep(nanoseconds: UInt64(latency * 1e9))
        lock.withLock {
            keys[message.idempotencyKey, default: 0] += 1
            texts[message.idempotencyKey] = "\(message.address)|\(message.subject ?? "")|\(message.text)"
        }
        return DeliveryReceipt(providerID: message.idempotencyKey)
    }

    func messageChannel(_ id: String) async throws(ChannelFailure) -> any MessageChannel { self }
    func adsChannel(_ id: String) async throws(ChannelFailure) -> any AdsChannel { throw ChannelFailure.permanent("no ads here") }
    func calendarChannel(_ id: String) async throws(ChannelFailure) -> any CalendarChannel { throw ChannelFailure.permanent("no calendar here") }
    func webhookChannel(_ id: String) async throws(ChannelFailure) -> any WebhookCallChannel { throw ChannelFailure.permanent("no webhook here") }
}

/// A provider that refuses every call after a short wait (an endpoint that is gone).
final class RefusingChannels: ChannelRegistry, MessageChannel {
    func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try? await Task.sleep(nanoseconds: 50_000_000)
        throw .permanent("HTTP 410 from 127.0.0.1")
    }

    func messageChannel(_ id: String) async throws(ChannelFailure) -> any MessageChannel { self }
    func adsChannel(_ id: String) async throws(ChannelFailure) -> any AdsChannel { throw ChannelFailure.permanent("no ads here") }
    func calendarChannel(_ id: String) async throws(ChannelFailure) -> any CalendarChannel { throw ChannelFailure.permanent("no calendar here") }
    func webhookChannel(_ id: String) async throws(ChannelFailure) -> any WebhookCallChannel { throw ChannelFailure.permanent("no webhook here") }
}

/// The lines a run logged for the person watching.
final class LoggedLines: ProgressReporter {
    private let lines = Mutex<[String]>([])
    func report(_ event: ProgressEvent) {
        if case .log(_, let message) = event { lines.withLock { $0.append(message) } }
    }
    var all: [String] { lines.withLock { $0 } }
}

/// Shared fan-out: every live runner claims batches of a step's deliveries; a dead runner's
/// claims come back after the lease and are sent exactly once.
@Suite(.enabled(if: TestPostgres.available, TestPostgres.skipNote)) struct SharedFanOutTests {
    static let contacts = 3_000

    static func playbook(contacts: Int = contacts) throws -> Playbook {
        let directory = TestScratch.root.appendingPathComponent("shared-fanout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var rows = ["id,name,email,phone,tags,consent_email,consent_sms,timezone,locale,city"]
        for i in 0..<contacts { rows.append("c\(i),Person \(i),p\(i)@example.com,,fan,\(i % 10 != 0),false,Europe/Rome,\(i % 2 == 0 ? "en" : "it"),Rome") }
        try (rows.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("shared.yaml")
        try """
        version: 1
        playbook: shared-fanout
        triggers: [{ id: manual, manual: {} }]
        channels:
          mail: { type: webhook, url: "http://127.0.0.1:9/hook", concurrency: 32 }
        audience: { contacts: contacts.csv, segments: { consenting: "contact.consent.email" } }
        steps:
          - id: tell
            notify: { segment: consenting, via: [mail], message: { subject: "Hi {{ contact.name }}", text: "Dear {{ contact.fields.city }} friend {{ contact.id }}" } }
        """.write(to: file, atomically: true, encoding: .utf8)
        return try #require(PlaybookLoader.load(path: file.path).playbook)
    }

    @Test func threeRunnersShareAFanOutAndADeadRunnersClaimsAreSentOnce() async throws {
        let url = try await TestPostgres.freshDatabase()
        let playbook = try Self.playbook()
        let expected = Self.contacts - Self.contacts / 10  // every tenth has no consent
        let driverJournal = try await PostgresJournal.open(url)
        let helperJournals = [try await PostgresJournal.open(url), try await PostgresJournal.open(url)]
        let deadJournal = try await PostgresJournal.open(url)
        let driverChannels = CountingChannels()
        let helperChannels = [CountingChannels(), CountingChannels()]
        // The live runners' claims outlast any stall of a loaded machine (a claim that runs out
        // while its runner is starved is taken over and sent twice); the dead runner's, 1.5 s, come back.
        var driver = Engine(journal: driverJournal, channels: driverChannels)
        driver.claimLease = 60
        let stop = StopSignal()
        let helpers = zip(helperJournals, helperChannels).map { journal, channels in
            var engine = Engine(journal: journal, channels: channels, stop: stop)
            engine.claimLease = 60
            return SharedFanOutJoiner(engines: [playbook.name.value: (engine, playbook)], shared: journal, stop: stop, idle: 0.05)
        }
        let helping = helpers.map { helper in Task { await helper.run() } }

        // A fourth runner claims up to 200 deliveries while the fan-out is open (as many as the live
        // runners leave it: they race for the same rows), then dies without sending any.
        let dead = Task { () -> Int in
            var held = 0
            var opened = false
            while held < 200 {
                guard let open = try await deadJournal.openFanOuts(playbooks: [playbook.name.value]).first else {
                    if opened { break }
                    try await Task.sleep(nanoseconds: 5_000_000)
                    continue
                }
                opened = true
                held += try await deadJournal.claim(incident: open.incident, step: open.step, limit: 200 - held, lease: 1.5, now: Date()).count
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            return held
        }
        let outcome = try await driver.run(playbook, .init())
        let deadClaimed = try await dead.value
        stop.request()
        for task in helping { await task.value }

        let incident = try #require(outcome.incident)
        let step = try await driverJournal.steps(incident: incident).first
        #expect(outcome.statuses["tell"] == .succeeded, "\(step?.detail ?? "")")
        #expect(deadClaimed > 0, "the dead runner held claims, which the others took over")
        var all: [String: Int] = driverChannels.sent
        for channels in helperChannels { all.merge(channels.sent) { $0 + $1 } }
        #expect(all.count == expected, "every consenting contact got the message")
        #expect(all.values.allSatisfy { $0 == 1 }, "nobody got it twice: \(all.filter { $0.value > 1 }.count) duplicates")
        let shares = [driverChannels.count] + helperChannels.map(\.count)
        #expect(shares.allSatisfy { $0 > 0 }, "every live runner sent a part: \(shares)")
        #expect(try await driverJournal.deliveryCounts(incident: incident)["tell"] == [.sent: expected])
        #expect(try await driverJournal.openFanOuts(playbooks: [playbook.name.value]).isEmpty)
        // The message each runner sent is the one the planner rendered.
        let key = "\(incident)/tell/c7/mail"
        let text = [driverChannels, helperChannels[0], helperChannels[1]].compactMap { $0.text(key) }.first
        #expect(text == "c7|Hi Person 7|Dear Rome friend c7")
        print("shared fan-out: driver \(shares[0]), helpers \(shares[1]) and \(shares[2]), dead runner's \(deadClaimed) claims taken over")
        for journal in [driverJournal, deadJournal] + helperJournals { await journal.close() }
    }

    /// A shared fan-out whose first deliveries all fail says so once, with the first reason, as
    /// a single runner's does (its counts come from the journal, once a second: 2,700 refusals
    /// at 32 in flight and 50 ms each last about 4 s).
    @Test func aSharedFanOutWhoseFirstDeliveriesAllFailSaysSoOnce() async throws {
        let url = try await TestPostgres.freshDatabase()
        let playbook = try Self.playbook()
        let journal = try await PostgresJournal.open(url)
        let logged = LoggedLines()
        let outcome = try await Engine(journal: journal, channels: RefusingChannels(), progress: logged).run(playbook, .init())
        #expect(outcome.statuses["tell"] == .failed)
        let warnings = logged.all.filter { $0.hasPrefix("none of the first ") }
        #expect(warnings.count == 1, "\(logged.all)")
        #expect(warnings.first?.contains("deliveries went out — first failure: HTTP 410 from 127.0.0.1") == true, "\(warnings)")
        await journal.close()
    }

    /// `run --retry-failed` over a shared journal: the refused deliveries go back to pending with
    /// their claims released (no wait for the old leases), and each is sent exactly once.
    @Test func aRetryOfASharedFanOutSendsEachFailedDeliveryOnce() async throws {
        let url = try await TestPostgres.freshDatabase()
        let playbook = try Self.playbook(contacts: 300)
        let journal = try await PostgresJournal.open(url)
        var refusing = Engine(journal: journal, channels: RefusingChannels())
        refusing.claimLease = 600
        let failed = try await refusing.run(playbook, .init())
        #expect(failed.statuses["tell"] == .failed)
        let counting = CountingChannels(latency: 0)
        let retried = try await Engine(journal: journal, channels: counting).run(playbook, .init(retryFailed: true))
        #expect(retried.statuses["tell"] == .succeeded)
        let expected = 300 - 300 / 10
        #expect(counting.sent.count == expected)
        #expect(counting.sent.values.allSatisfy { $0 == 1 })
        let incident = try #require(retried.incident)
        #expect(try await journal.deliveryCounts(incident: incident)["tell"] == [.sent: expected])
        await journal.close()
    }

    /// A runner that picks up a shared fan-out after its incident resolved sends what was due,
    /// but not an SMS that waited for quiet hours: that one is journaled `cancelled`, as in a
    /// single runner's fan-out (docs/decisions.md), and the step counts it as done.
    @Test func deliveriesDeferredPastTheResolutionAreCancelledByAHelper() async throws {
        let url = try await TestPostgres.freshDatabase()
        let playbook = try Self.playbook()
        let journal = try await PostgresJournal.open(url)
        let incident = IncidentRecord(id: "resolved-1", playbook: playbook.name.value, trigger: "manual", startedAt: Date().addingTimeInterval(-3_600))
        try await journal.createIncident(incident)
        func delivery(_ contact: String, deferred: Bool) -> SharedDelivery {
            SharedDelivery(
                record: DeliveryRecord(
                    key: "resolved-1/tell/\(contact)/mail", incident: incident.id, step: "tell", channel: "mail", contact: contact,
                    address: "\(contact)@example.com", status: deferred ? .deferred : .pending,
                    deferredUntil: deferred ? Date().addingTimeInterval(-60) : nil),
                subject: "Hi", text: "We are down", html: nil, contact: Contact(id: contact, email: "\(contact)@example.com", consentEmail: true))
        }
        try await journal.planShared(
            [delivery("due", deferred: false), delivery("waited", deferred: true)], playbook: playbook.name.value, at: Date())
        try await journal.setIncident(incident.id, status: .recovering, resolvedAt: Date())

        let channels = CountingChannels()
        let stop = StopSignal()
        let helper = SharedFanOutJoiner(
            engines: [playbook.name.value: (Engine(journal: journal, channels: channels, stop: stop), playbook)], shared: journal, stop: stop, idle: 0.05)
        let helping = Task { await helper.run() }
        #expect(await eventually { try await journal.unfinishedDeliveries(incident: incident.id, step: "tell") == 0 })
        stop.request()
        await helping.value

        #expect(channels.sent == ["resolved-1/tell/due/mail": 1])
        let records = try await journal.deliveries(incident: incident.id, step: "tell")
        #expect(records.first { $0.contact == "waited" }?.status == .cancelled)
        #expect(records.first { $0.contact == "waited" }?.detail?.contains("resolved before quiet hours ended") == true)
        #expect(try await journal.deliveryCounts(incident: incident.id)["tell"] == [.sent: 1, .cancelled: 1])
        await journal.close()
    }

    @Test func leasesHaveOneHolderAtATimeAndPassOnWhenTheyEnd() async throws {
        let url = try await TestPostgres.freshDatabase()
        let a = try await PostgresJournal.open(url)
        let b = try await PostgresJournal.open(url)
        #expect(try await a.holdLease("watch/p", seconds: 60))
        #expect(try await !b.holdLease("watch/p", seconds: 60))
        #expect(try await a.holdLease("watch/p", seconds: 60), "the holder renews")
        #expect(try await b.holdLease("watch/q", seconds: 60), "another name is another lease")
        // A lease that ends passes on (a short one, so that only time passing matters).
        #expect(try await a.holdLease("watch/short", seconds: 0.2))
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(try await b.holdLease("watch/short", seconds: 60), "an ended lease passes on")
        #expect(try await !a.holdLease("watch/short", seconds: 60))
        try await a.releaseLease("watch/p")
        #expect(try await b.holdLease("watch/p", seconds: 60), "a released lease is free at once")
        await a.close()
        await b.close()
    }
}
