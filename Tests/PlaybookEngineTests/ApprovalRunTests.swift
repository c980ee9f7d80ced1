import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// An approve step during a run: its request goes out with a signed link, the run waits on the
/// clock until someone decides (here `Approvals.decide`, as `playbook approve` does) or the
/// timeout passes, and what names the approval in `after` runs only once it is approved.
@Suite struct ApprovalRunTests {
    static let start = ISO8601DateFormatter().date(from: "2021-10-04T15:43:00Z")!
    static let console = "https://console.example/"

    static let playbook = """
        version: 1
        playbook: meta-outage
        triggers: [{ id: t, manual: {} }]
        channels:
          team: { type: webhook, url: "https://hooks.example/team" }
          meta-ads: { type: meta_ads, ad_account: act_1, access_token: "${env.META}" }
          outbox: { type: file, path: out.jsonl }
        steps:
          - id: ask-owner
            approve:
              to: [team, outbox]
              text: "Meta is down. Pause all ads? {{ approval.url }} (until {{ approval.expires_at }})"
              timeout: 20m
              on_timeout: ON_TIMEOUT
          - { id: pause-ads, after: [ask-owner], pause_ads: { channel: meta-ads, campaigns: all } }
        """

    struct World {
        let fixture: EngineFixture
        let simulation: Simulation
        let channels: RecordingChannels
        var journal: SQLiteJournal { fixture.journal }

        init(onTimeout: String = "deny", origin: Date = ApprovalRunTests.start, fixture: EngineFixture? = nil, channels: RecordingChannels? = nil) throws {
            self.fixture = try fixture ?? EngineFixture(ApprovalRunTests.playbook.replacingOccurrences(of: "ON_TIMEOUT", with: onTimeout))
            simulation = Simulation(origin: origin)
            self.channels = channels ?? RecordingChannels(clock: simulation)
            let journal = self.fixture.journal
            simulation.idleBarrier = { try? await journal.log(incident: "simulation-barrier", step: nil, message: "", at: ApprovalRunTests.start) }
        }

        func engine(stop: StopSignal = StopSignal(), progress: any ProgressReporter = SilentProgress()) -> Engine {
            var engine = Engine(journal: journal, channels: channels, clock: simulation, progress: progress, stop: stop)
            engine.approvalLinkBase = ApprovalRunTests.console
            return engine
        }

        /// Runs the playbook and, `after` seconds into it, decides the approval as `cli (ana)`.
        func run(deciding decision: Approvals.Decision? = nil, after seconds: Double = 300, engine: Engine? = nil) async throws -> Engine.Outcome {
            let engine = engine ?? self.engine()
            let (playbook, journal, simulation) = (fixture.playbook, self.journal, self.simulation)
            return try await simulation.run {
                async let outcome = engine.run(playbook, .init())
                if let decision {
                    try await simulation.sleep(until: simulation.now().addingTimeInterval(seconds))
                    _ = try await Approvals.decide(decision, step: "ask-owner", playbook: playbook, journal: journal, by: "cli (ana)", now: simulation.now())
                }
                return try await outcome
            }
        }

        func requests() async -> [RecordingChannels.Sent] {
            await channels.sent.filter { $0.message.step == "ask-owner" }
        }
    }

    @Test func anApprovedRequestLetsTheStepsAfterItRun() async throws {
        let world = try World()
        let outcome = try await world.run(deciding: .approve, after: 300)
        #expect(outcome.statuses == ["ask-owner": .succeeded, "pause-ads": .succeeded])
        #expect(!outcome.failsRun)
        // The ads were paused once the owner approved, five minutes in, not before.
        let paused = await world.channels.adsTimes
        #expect(!paused.isEmpty)
        #expect(paused.allSatisfy { $0 >= Self.start.addingTimeInterval(300) })
        let incident = try #require(try await world.journal.incidents().first)
        let approval = try #require(try await world.journal.approval(incident: incident.id, step: "ask-owner"))
        #expect(approval.status == .approved)
        #expect(approval.decidedBy == "cli (ana)")
        #expect(approval.decidedAt == Self.start.addingTimeInterval(300))
        let step = try #require(try await world.journal.steps(incident: incident.id).first { $0.step == "ask-owner" })
        #expect(step.detail == "approved by cli (ana) at 2021-10-04T15:48:00Z")
    }

    @Test func theRequestCarriesALinkThatDecidesThisApprovalUntilItsTimeout() async throws {
        let world = try World()
        _ = try await world.run(deciding: .approve)
        let request = try #require(await world.requests().first { $0.channel == "team" })
        let prefix = "Meta is down. Pause all ads? https://console.example/approve/"
        #expect(request.message.text.hasPrefix(prefix))
        #expect(request.message.text.hasSuffix(" (until 2021-10-04T16:03:00Z)"))
        let token = String(request.message.text.dropFirst(prefix.count).prefix { $0 != " " })
        let incident = try #require(try await world.journal.incidents().first)
        let key = try world.journal.approvalKey()
        let verified = ApprovalToken.verify(token, incident: incident.id, step: "ask-owner", key: key, now: Self.start.addingTimeInterval(60))
        let approval = try #require(try await world.journal.approval(incident: incident.id, step: "ask-owner"))
        #expect((try? verified.get())?.id == approval.tokenID)
        if case .failure(let refusal) = ApprovalToken.verify(token, incident: incident.id, step: "pause-ads", key: key, now: Self.start) {
            #expect(refusal == .otherApproval)
        } else {
            Issue.record("a link for one step decided another")
        }
    }

    @Test func aDeniedRequestSkipsTheStepsAfterItAndFailsTheRun() async throws {
        let world = try World()
        let outcome = try await world.run(deciding: .deny, after: 120)
        #expect(outcome.statuses == ["ask-owner": .failed, "pause-ads": .skipped])
        #expect(outcome.failsRun)
        #expect(await world.channels.adsCalls.isEmpty)
        let incident = try #require(try await world.journal.incidents().first)
        let steps = Dictionary(try await world.journal.steps(incident: incident.id).map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(steps["ask-owner"]?.detail == "denied by cli (ana) at 2021-10-04T15:45:00Z")
        #expect(steps["pause-ads"]?.detail == "approval 'ask-owner' was not approved")
    }

    @Test func atTheTimeoutOnTimeoutApproveLetsTheStepsAfterItRun() async throws {
        let world = try World(onTimeout: "approve")
        let outcome = try await world.run()
        #expect(outcome.statuses == ["ask-owner": .succeeded, "pause-ads": .succeeded])
        #expect(await world.channels.adsTimes.allSatisfy { $0 == Self.start.addingTimeInterval(1200) })
        let incident = try #require(try await world.journal.incidents().first)
        let approval = try #require(try await world.journal.approval(incident: incident.id, step: "ask-owner"))
        #expect(approval.status == .approved)
        #expect(approval.decidedBy == "timeout")
        #expect(approval.decidedAt == Self.start.addingTimeInterval(1200))
        let step = try #require(try await world.journal.steps(incident: incident.id).first { $0.step == "ask-owner" })
        #expect(step.detail == "no decision by 2021-10-04T16:03:00Z: approved (on_timeout: approve)")
    }

    @Test func aDecisionAfterTheTimeoutIsRefusedAndOnTimeoutStands() async throws {
        let world = try World(onTimeout: "deny")
        let outcome = try await world.run()
        #expect(outcome.statuses == ["ask-owner": .failed, "pause-ads": .skipped])
        let error = await #expect(throws: Approvals.Refusal.self) {
            try await Approvals.decide(
                .approve, step: "ask-owner", playbook: world.fixture.playbook, journal: world.journal, by: "cli (ana)",
                now: Self.start.addingTimeInterval(1300))
        }
        let incident = try #require(try await world.journal.incidents().first)
        #expect(error?.description == "the approval 'ask-owner' of incident \(incident.id) expired at 2021-10-04T16:03:00Z and was denied by its on_timeout")
    }

    @Test func aRunKilledWhileWaitingResumesOnTheSameApprovalWithoutAskingAgain() async throws {
        let first = try World()
        let stop = StopSignal()
        let interrupted = try await first.simulation.run {
            async let outcome = first.engine(stop: stop).run(first.fixture.playbook, .init())
            try await first.simulation.sleep(until: Self.start.addingTimeInterval(180))
            stop.request()
            return try await outcome
        }
        #expect(interrupted.interrupted)
        let incident = try #require(try await first.journal.incidents().first)
        let before = try #require(try await first.journal.approval(incident: incident.id, step: "ask-owner"))
        #expect(before.status == .pending)
        let requestsBefore = await first.requests()
        #expect(requestsBefore.count == 2)

        // The same state and channels, three minutes later: the run resumes and waits.
        let second = try World(origin: Self.start.addingTimeInterval(180), fixture: first.fixture, channels: first.channels)
        let outcome = try await second.run(deciding: .approve, after: 240)
        #expect(outcome.resumed)
        #expect(outcome.statuses == ["ask-owner": .succeeded, "pause-ads": .succeeded])
        #expect(await second.requests().count == 2, "the request was not sent again")
        let after = try #require(try await second.journal.approval(incident: incident.id, step: "ask-owner"))
        #expect(after.tokenID == before.tokenID)
        #expect(after.expiresAt == before.expiresAt)
        #expect(after.decidedAt == Self.start.addingTimeInterval(420))
    }

    @Test func theFirstDecisionWinsAndTheNextOnesSayWhoWasFirst() async throws {
        let world = try World()
        let playbook = world.fixture.playbook
        let journal = world.journal
        let outcome = try await world.simulation.run {
            async let outcome = world.engine().run(playbook, .init())
            try await world.simulation.sleep(until: Self.start.addingTimeInterval(60))
            let results = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let decision: Approvals.Decision = index.isMultiple(of: 2) ? .approve : .deny
                        return
                            (try? await Approvals.decide(
                                decision, step: "ask-owner", playbook: playbook, journal: journal, by: "cli (u\(index))",
                                now: Self.start.addingTimeInterval(60))) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            return try await outcome
        }
        let incident = try #require(try await journal.incidents().first)
        let approval = try #require(try await journal.approval(incident: incident.id, step: "ask-owner"))
        let winner = try #require(approval.decidedBy)
        #expect(outcome.statuses["ask-owner"] == (approval.status == .approved ? .succeeded : .failed))
        let late = await #expect(throws: Approvals.Refusal.self) {
            try await Approvals.decide(.deny, step: "ask-owner", playbook: playbook, journal: journal, by: "cli (zoe)", now: Self.start.addingTimeInterval(90))
        }
        #expect(
            late?.description
                == "the approval 'ask-owner' of incident \(incident.id) was already \(approval.status.rawValue) by \(winner) at 2021-10-04T15:44:00Z")
    }

    @Test func theLinkTokenIsNeverJournaledPrintedOrWrittenToTheOutbox() async throws {
        let world = try World()
        let progress = EventLog()
        _ = try await world.run(deciding: .approve, engine: world.engine(progress: progress))
        let requests = await world.requests()
        let team = try #require(requests.first { $0.channel == "team" })
        let token = String(team.message.text.split(separator: "/approve/")[1].prefix { $0 != " " })
        #expect(token.count > 40)
        let outbox = try #require(requests.first { $0.channel == "outbox" })
        #expect(outbox.message.text.hasPrefix("Meta is down. Pause all ads? https://console.example/approve/[redacted] (until "))
        await world.journal.close()
        let state = world.fixture.directory.appendingPathComponent(".playbook")
        for file in try FileManager.default.contentsOfDirectory(atPath: state.path) where file.hasPrefix("state.db") {
            let bytes = try Data(contentsOf: state.appendingPathComponent(file))
            #expect(bytes.range(of: Data(token.utf8)) == nil, "the token is in \(file)")
        }
        #expect(!progress.lines.contains { $0.contains(token) })
        #expect(progress.lines.contains { $0.contains("waiting for a decision until 2021-10-04T16:03:00Z") })
    }

    @Test func whenTheIncidentResolvesAPendingApprovalIsCancelled() async throws {
        let world = try World()
        let engine = world.engine()
        let playbook = world.fixture.playbook
        let (run, _) = try await world.simulation.run {
            async let run = engine.run(playbook, .init())
            try await world.simulation.sleep(until: Self.start.addingTimeInterval(300))
            let recovery = try await engine.recover(playbook)
            return (try await run, recovery)
        }
        #expect(run.statuses == ["ask-owner": .skipped, "pause-ads": .skipped])
        #expect(!run.failsRun)
        let incident = try #require(try await world.journal.incidents().first)
        let approval = try #require(try await world.journal.approval(incident: incident.id, step: "ask-owner"))
        #expect(approval.status == .cancelled)
        let step = try #require(try await world.journal.steps(incident: incident.id).first { $0.step == "ask-owner" })
        #expect(step.detail == "the incident resolved")
        let late = await #expect(throws: Approvals.Refusal.self) {
            try await Approvals.decide(
                .approve, step: "ask-owner", playbook: playbook, journal: world.journal, by: "cli (ana)", now: Self.start.addingTimeInterval(400))
        }
        #expect(late?.description.contains("has no active incident") == true)
    }

    @Test func aRequestToASegmentReachesEachContactAtOnceEvenInQuietHours() async throws {
        let fixture = try EngineFixture(
            """
            version: 1
            playbook: quiet-owners
            triggers: [{ id: t, manual: {} }]
            channels: { sms: { type: twilio, account_sid: AC1, auth_token: x, from: "+390000000000" } }
            audience: { contacts: contacts.csv, segments: { owners: "true" } }
            settings: { quiet_hours: "21:00-08:00" }
            steps:
              - id: ask-owner
                approve: { segment: owners, via: [sms], text: "{{ contact.name }}, pause the ads? {{ approval.url }}" }
              - { id: note, after: [ask-owner], log: { message: approved } }
            """,
            extraContacts: [
                "tokyo,Aiko,,+81900000001,,false,true,Asia/Tokyo,ja",  // 00:43 there: quiet hours
                "rome,Giulia,,+39333000001,,false,true,Europe/Rome,it",
            ])
        let world = try World(fixture: fixture)
        let outcome = try await world.run(deciding: .approve, after: 60)
        #expect(outcome.statuses == ["ask-owner": .succeeded, "note": .succeeded])
        let requests = await world.requests()
        #expect(requests.compactMap(\.message.contact?.id).sorted() == ["rome", "tokyo"])
        #expect(requests.allSatisfy { $0.at == Self.start })
        let aiko = try #require(requests.first { $0.message.contact?.id == "tokyo" })
        #expect(aiko.message.text.hasPrefix("Aiko, pause the ads? https://console.example/approve/"))
    }

    @Test func aProviderErrorThatEchoesTheRequestIsJournaledWithoutTheToken() async throws {
        let world = try World()
        var engine = Engine(journal: world.journal, channels: EchoingChannels(), clock: world.simulation)
        engine.approvalLinkBase = Self.console
        let outcome = try await world.run(deciding: .deny, after: 60, engine: engine)
        #expect(outcome.statuses == ["ask-owner": .failed, "pause-ads": .skipped])
        let incident = try #require(try await world.journal.incidents().first)
        let approval = try #require(try await world.journal.approval(incident: incident.id, step: "ask-owner"))
        let nonce = try #require(Engine.bytes(hex: approval.tokenID))
        let token = ApprovalToken.issue(
            incident: incident.id, step: "ask-owner", expiresAt: approval.expiresAt, key: try world.journal.approvalKey(), nonce: nonce
        ).encoded
        let deliveries = try await world.journal.deliveries(incident: incident.id, step: "ask-owner")
        #expect(deliveries.count == 2)
        for delivery in deliveries {
            let detail = try #require(delivery.detail)
            #expect(detail.contains("approve/[redacted]"), "\(detail)")
            #expect(!detail.contains(token))
        }
        let step = try #require(try await world.journal.steps(incident: incident.id).first { $0.step == "ask-owner" })
        let detail = try #require(step.detail)
        #expect(detail.hasPrefix("denied by cli (ana) at 2021-10-04T15:44:00Z; the request failed: "), "\(detail)")
        #expect(!detail.contains(token))
    }

    @Test func theApprovalKeyIsPrivateToItsOwner() async throws {
        let world = try World()
        _ = try world.journal.approvalKey()
        let path = world.fixture.directory.appendingPathComponent(".playbook/approval.key").path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try world.journal.approvalKey().bytes == world.journal.approvalKey().bytes)
    }
}

/// Every progress event, as text.
final class EventLog: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []

    func report(_ event: ProgressEvent) { lock.withLock { events.append("\(event)") } }

    var lines: [String] { lock.withLock { events } }
}

/// Channels whose provider refuses every message and quotes it back in its error.
struct EchoingChannels: ChannelRegistry {
    func messageChannel(_ id: String) throws(ChannelFailure) -> any MessageChannel { Echo() }
    func adsChannel(_ id: String) throws(ChannelFailure) -> any AdsChannel { throw .permanent("no ads here") }
    func calendarChannel(_ id: String) throws(ChannelFailure) -> any CalendarChannel { throw .permanent("no calendar here") }
    func webhookChannel(_ id: String) throws(ChannelFailure) -> any WebhookCallChannel { throw .permanent("no webhook here") }

    struct Echo: MessageChannel {
        func send(_ message: OutboundMessage) throws(ChannelFailure) -> DeliveryReceipt { throw .permanent("refused: \(message.text)") }
    }
}
