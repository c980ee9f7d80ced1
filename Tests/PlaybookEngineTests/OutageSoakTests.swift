import Foundation
import PlaybookTestSupport
import Testing

@testable import PlaybookCore
@testable import PlaybookEngine

/// The soak: the 4 October 2021 outage replayed for every shipped playbook at once (see
/// `OutageWorld`), on a simulated clock, against channels that fail like providers do
/// (`SoakWorld`), with SOAK_CONTACTS customers and as many fans (default 10,000). It checks what a
/// shop owner would check the morning after. docs/reliability.md gives its scale and figures.
@Suite struct OutageSoakTests {
    static let contacts = Int(ProcessInfo.processInfo.environment["SOAK_CONTACTS"] ?? "") ?? 10_000
    static let seed = UInt64(ProcessInfo.processInfo.environment["SOAK_SEED"] ?? "") ?? 20_211_004
    static let webhookSecret = "soak-webhook-secret"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One playbook's part of the run.
    final class Driver: @unchecked Sendable {
        let playbook: Playbook
        let engine: Engine
        var fires: [(at: Date, trigger: String)] = []
        var resolvesAt: Date
        var facts: [(path: [String], value: Value)] = []
        var runsStarted = 0
        var refiresWhileActive = 0
        var outcomes: [Engine.Outcome] = []
        var runInFlight = false

        init(playbook: Playbook, engine: Engine, resolvesAt: Date) {
            self.playbook = playbook
            self.engine = engine
            self.resolvesAt = resolvesAt
        }

        var name: String { playbook.name.value }
    }

    /// VmRSS of this process, in MiB.
    static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb / 1024
    }

    final class Samples: @unchecked Sendable {
        var values: [(at: Date, mib: Double)] = []
    }

    @Test(.timeLimit(.minutes(10)))
    func fourthOfOctober2021() async throws {
        let started = Date()
        // The shipped playbooks, copied beside a generated audience.
        let directory = TestScratch.root.appendingPathComponent("soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("content"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("playbooks").path)
            .filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".test.yaml") }.sorted()
        #expect(shipped.count == 5, "\(shipped)")
        for name in shipped {
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("playbooks/\(name)"), to: directory.appendingPathComponent(name))
        }
        try SoakAudience.write(to: directory, count: Self.contacts, seed: Self.seed)

        let journal = try SQLiteJournal(directory: directory.appendingPathComponent(".playbook").path)
        let simulation = Simulation(origin: OutageWorld.origin)
        // A write through the journal: it returns once every write that reached the journal before it is committed.
        simulation.idleBarrier = { try? await journal.log(incident: "simulation-barrier", step: nil, message: "", at: OutageWorld.origin) }
        let world = SoakWorld(clock: simulation, seed: Self.seed)
        let initialAccounts = Self.accounts()
        for (id, campaigns) in initialAccounts { await world.setAccount(id, campaigns) }
        let initialCalendars = Self.calendars()
        for (path, posts) in initialCalendars { await world.setCalendar(path, posts) }

        var drivers: [Driver] = []
        for name in shipped {
            let loaded = try PlaybookLoader.load(path: directory.appendingPathComponent(name).path)
            #expect(loaded.isValid, "\(name): \(loaded.diagnostics.map(\.message))")
            let playbook = try #require(loaded.playbook)
            let engine = Engine(journal: journal, channels: SoakChannels(world: world, playbook: playbook), clock: simulation)
            let (fires, outcome) = OutageWorld.schedule(for: playbook)
            let driver = Driver(playbook: playbook, engine: engine, resolvesAt: outcome.resolvedAt ?? OutageWorld.operatorRecovers)
            driver.fires = fires
            driver.facts = outcome.facts.map { (["trigger", $0.key], $0.value) }
            drivers.append(driver)
        }
        // The webhook-started playbook: the status page's signed call, after a forged one.
        let newsletter = try #require(drivers.first { $0.name == "newsletter-provider-down" })
        let endpoints = try WebhookRequest.endpoints(of: newsletter.playbook, environment: ["NEWSLETTER_HOOK_SECRET": Self.webhookSecret])
        let forged = WebhookRequest.verify(
            method: "POST", target: "/hooks/email-provider-down", headers: [("X-Playbook-Signature", "sha256=" + String(repeating: "ab", count: 32))],
            body: OutageWorld.webhookBody, endpoints: endpoints)
        guard case .rejected(401, let reason) = forged, reason.contains("does not match the body") else {
            Issue.record("a forged signature was not refused: \(forged)")
            return
        }
        let signature = WebhookSignature.sign(OutageWorld.webhookBody, secret: Self.webhookSecret)
        let verdict = WebhookRequest.verify(
            method: "POST", target: "/hooks/email-provider-down?source=statuspage", headers: [("X-Playbook-Signature", signature)],
            body: OutageWorld.webhookBody, endpoints: endpoints)
        guard case .accepted(let trigger, let payload) = verdict else {
            Issue.record("the signed webhook was refused: \(verdict)")
            return
        }
        newsletter.fires = [(OutageWorld.webhookAt, trigger)]
        newsletter.facts = [(["trigger", "payload"], Value(payload))]
        newsletter.resolvesAt = OutageWorld.operatorRecovers

        // When each playbook fires and resolves, as §4's trigger rules say for this outage.
        let expected: [String: (fires: String, resolves: String)] = [
            "meta-outage": ("15:43", "22:40"), "shop-down": ("15:42", "22:45"), "tiktok-creator": ("15:50", "23:00"),
            "traffic-drop": ("16:00", "23:00"), "newsletter-provider-down": ("15:45", "22:45"),
        ]
        for driver in drivers {
            let (fires, resolves) = try #require(expected[driver.name])
            #expect(driver.fires.first?.at == OutageWorld.at(fires), "\(driver.name) fires at \(String(describing: driver.fires.first))")
            #expect(driver.resolvesAt == OutageWorld.at(resolves), "\(driver.name) resolves at \(driver.resolvesAt)")
        }
        #expect(drivers.reduce(0) { $0 + $1.fires.count } > drivers.count, "the flap makes some triggers fire again")

        // The run: every playbook's driver, and a sampler of memory every 15 simulated minutes.
        let samples = Samples()
        let everyone = drivers
        try await simulation.run {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var next = OutageWorld.origin
                    while next <= OutageWorld.end {
                        try await simulation.sleep(until: next)
                        samples.values.append((simulation.now(), Self.residentMiB()))
                        next = next.addingTimeInterval(15 * 60)
                    }
                }
                for driver in everyone {
                    group.addTask { try await Self.drive(driver, journal: journal, clock: simulation) }
                }
                try await group.waitForAll()
            }
        }
        let elapsed = Date().timeIntervalSince(started)

        // The simulation was deterministic: all engine work ran on its thread.
        #expect(simulation.offThreadCalls == 0, "engine work ran outside the simulation: outcomes could depend on machine load")

        let sent = await world.sent
        let report = try await Self.check(
            drivers: drivers, journal: journal, world: world, sent: sent,
            initialAccounts: initialAccounts, initialCalendars: initialCalendars)

        // Memory stays flat: after the morning's fan-outs, resident memory does not grow with the hours that follow.
        let settled = samples.values.filter { $0.at >= OutageWorld.at("17:00") }.map(\.mib)
        let early = settled.prefix(settled.count / 3)
        let late = settled.suffix(settled.count / 3)
        let growth = (late.max() ?? 0) - (early.min() ?? 0)
        #expect(growth < 48, "resident memory grew \(growth) MiB from 17:00 to the next day: \(samples.values.map { Int($0.mib) })")

        let injected = await world.faultsInjected
        let down = await world.downRejections
        print(
            """
            soak 2021-10-04: \(drivers.count) playbooks, \(Self.contacts) customers + \(Self.contacts) fans + 12 team, seed \(Self.seed)
              \(sent.count) messages and posts sent, \(report.cancelled) deferred SMS cancelled at resolution, \(report.deferred) deferred by quiet hours at their step's start (\(report.retriedIntoQuietHours) retried a little into them)
              \(drivers.reduce(0) { $0 + $1.fires.count }) firings (\(drivers.reduce(0) { $0 + $1.refiresWhileActive }) while already active), \(report.skippedAfterResolution) steps skipped as due after the resolution
              \(report.pausedCampaigns) campaigns paused and resumed, \(report.heldPosts) posts held and restored
              \(injected) random 429/500 answers, \(down) refusals while Slack was down, \(report.failedPosts) posts failed (Slack down)
              \(simulation.advances) clock moves, \(simulation.jobsRun) jobs, \(String(format: "%.1f", elapsed)) s real time
              resident memory (MiB) from 17:00: min \(Int(settled.min() ?? 0)), max \(Int(settled.max() ?? 0)), growth \(String(format: "%.1f", growth))
            """)
    }

    /// Fires, refires and resolves one playbook as `playbook watch` would: a trigger firing again
    /// while the incident is active starts nothing new.
    static func drive(_ driver: Driver, journal: any Journal, clock: Simulation) async throws {
        try await withThrowingTaskGroup(of: Void.self) { runs in
            for fire in driver.fires {
                try await clock.sleep(until: fire.at)
                if driver.runInFlight {
                    driver.refiresWhileActive += 1
                    continue
                }
                driver.runInFlight = true
                driver.runsStarted += 1
                let request = Engine.RunRequest(triggerID: fire.trigger, assignments: driver.facts)
                runs.addTask {
                    let outcome = try await driver.engine.run(driver.playbook, request)
                    driver.outcomes.append(outcome)
                    driver.runInFlight = false
                }
            }
            try await clock.sleep(until: driver.resolvesAt)
            runs.addTask { driver.outcomes.append(try await driver.engine.recover(driver.playbook)) }
            try await runs.waitForAll()
        }
    }

    struct Report {
        var skippedAfterResolution = 0
        var retriedIntoQuietHours = 0
        var heldPosts = 0
        var pausedCampaigns = 0
        var cancelled = 0
        var deferred = 0
        var failedPosts = 0
    }

    /// Everything the morning after must show.
    static func check(
        drivers: [Driver], journal: any Journal, world: SoakWorld, sent: [SoakWorld.Sent],
        initialAccounts: [String: [(Campaign, Bool)]], initialCalendars: [String: [SoakWorld.Post]]
    ) async throws -> Report {
        var report = Report()
        let incidents = try await journal.incidents(limit: 1_000)
        // No message was sent twice (the same delivery, by its idempotency key).
        let keys = Dictionary(grouping: sent, by: \.key).filter { $0.value.count > 1 }
        #expect(keys.isEmpty, "sent more than once: \(keys.keys.sorted().prefix(5))")

        let sentBySteps = Dictionary(grouping: sent) { "\($0.playbook)/\($0.incident)/\($0.step)" }
        for driver in drivers {
            let name = driver.name
            // Each playbook fires once: one incident, opened at the first firing, resolved when the triggers cleared.
            let mine = incidents.filter { $0.playbook == name }
            #expect(mine.count == 1, "\(name): \(mine.count) incidents")
            guard let incident = mine.first else { continue }
            #expect(incident.startedAt == driver.fires.first?.at, "\(name) started at \(incident.startedAt)")
            #expect(incident.resolvedAt == driver.resolvesAt, "\(name) resolved at \(String(describing: incident.resolvedAt))")
            #expect(incident.status == .finished, "\(name) is \(incident.status)")
            #expect(driver.runsStarted + driver.refiresWhileActive == driver.fires.count)
            #expect(!driver.outcomes.contains { $0.interrupted }, "\(name) interrupted")
            let resolvedAt = try #require(incident.resolvedAt)

            let steps = try await journal.steps(incident: incident.id)
            let byID = Dictionary(steps.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(Set(steps.map(\.step)) == Set((driver.playbook.steps + driver.playbook.recovery).map(\.id.value)), "\(name): every step has an outcome")
            // No step runs after the incident resolves unless it is a recovery step; recovery steps only after it.
            for step in steps {
                guard let start = step.startedAt else { continue }
                if step.status == .skipped {
                    // Skipped steps record when they were decided: those due after the resolution say so.
                    if step.section != "recovery", start >= resolvedAt {
                        #expect(step.detail == "skipped: the incident resolved before it was due", "\(name)/\(step.step): \(step.detail ?? "")")
                        report.skippedAfterResolution += 1
                    }
                    continue
                }
                if step.section == "recovery" {
                    #expect(start >= resolvedAt, "\(name)/\(step.step) (recovery) started at \(start), before the resolution")
                } else {
                    #expect(start < resolvedAt, "\(name)/\(step.step) started at \(start), after the incident resolved at \(resolvedAt)")
                }
            }
            let recoverySteps = Set(driver.playbook.recovery.map(\.id.value))
            for message in sent where message.playbook == name && !recoverySteps.contains(message.step) && message.at > resolvedAt {
                Issue.record("\(name)/\(message.step) sent to \(message.address) at \(message.at), after the resolution")
            }

            // Every consenting contact gets exactly one message per notify step that ran; quiet
            // hours defer SMS to their end in the contact's timezone (decided when the step
            // starts, and again when a rate-limited fan-out reaches the contact); a deferral that
            // would end after the resolution is cancelled.
            let window = driver.playbook.settings.quietHours?.value
            let playbookZone = TimeZone(identifier: driver.playbook.timezoneIdentifier)!
            func zone(_ identifier: String?) -> TimeZone { identifier.flatMap { $0.isEmpty ? nil : TimeZone(identifier: $0) } ?? playbookZone }
            func inQuietHours(_ moment: Date, _ timezone: String?) -> Bool {
                guard let window else { return false }
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone(timezone)
                let parts = calendar.dateComponents([.hour, .minute], from: moment)
                return window.contains(minuteOfDay: parts.hour! * 60 + parts.minute!)
            }
            for step in driver.playbook.steps + driver.playbook.recovery {
                guard case .notify = step.action, let record = byID[step.id.value], record.status != .skipped, let start = record.startedAt else { continue }
                let recovery = recoverySteps.contains(step.id.value)
                let expectation = try Self.expectedDeliveries(driver.playbook, step, incident: incident, at: start, recovery: recovery)
                let planned = Dictionary(expectation.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
                let journaled = Dictionary(
                    try await journal.deliveries(incident: incident.id, step: step.id.value).map { ("\($0.channel)|\($0.address)", $0) },
                    uniquingKeysWith: { a, _ in a })
                let delivered = sentBySteps["\(name)/\(incident.id)/\(step.id.value)"] ?? []
                var seen = Set<String>()
                for message in delivered {
                    let key = "\(message.channel)|\(message.address)"
                    #expect(seen.insert(key).inserted, "\(name)/\(step.id.value): \(key) got two messages")
                    guard let plan = planned[key] else {
                        Issue.record("\(name)/\(step.id.value): \(key) was not owed a message")
                        continue
                    }
                    if let until = plan.deferredUntil {
                        #expect(
                            message.at >= until && message.at < until.addingTimeInterval(3600),
                            "\(name)/\(step.id.value): deferred SMS sent at \(message.at), due \(until)")
                    }
                    // No SMS inside quiet hours, in the contact's own time — except the retry of one
                    // let through before the window began, within the retry cap (5 minutes).
                    if message.type == .twilio, inQuietHours(message.at, message.timezone) {
                        let retried = (journaled[key]?.attempts ?? 0) > 1 && !inQuietHours(message.at.addingTimeInterval(-Retrying.cap), message.timezone)
                        #expect(retried, "\(name)/\(step.id.value): SMS to \(message.address) at \(message.at) in \(zone(message.timezone).identifier)")
                        report.retriedIntoQuietHours += retried ? 1 : 0
                    }
                }
                var cancelled = 0
                for plan in expectation where !seen.contains(plan.key) {
                    // Owed and not sent: only an SMS cancelled because the contact was in quiet hours when the incident resolved.
                    let entry = journaled[plan.key]
                    #expect(
                        entry?.status == .cancelled && !recovery && entry?.channel == plan.channel && inQuietHours(resolvedAt, plan.timezone),
                        "\(name)/\(step.id.value): \(plan.key) owed a message, got none (\(entry?.status.rawValue ?? "not journaled"))")
                    cancelled += 1
                }
                // Those deferred from the step's start past the resolution are all among the cancelled.
                for plan in expectation where plan.cancelled(resolvedAt, recovery) {
                    #expect(!seen.contains(plan.key), "\(name)/\(step.id.value): \(plan.key) sent though its quiet hours ended after the resolution")
                }
                // Deferrals decided at the step's start, at the right local times.
                for plan in expectation {
                    guard let entry = journaled[plan.key], let until = plan.deferredUntil else { continue }
                    #expect(
                        entry.deferredUntil == until,
                        "\(name)/\(step.id.value) \(plan.key): deferred until \(String(describing: entry.deferredUntil)), expected \(until)")
                    report.deferred += 1
                }
                #expect(record.status == .succeeded, "\(name)/\(step.id.value): \(record.status) \(record.detail ?? "")")
                report.cancelled += cancelled
            }

            // Posts: one per channel per step, except on Slack during its hour down, where the
            // post failed after its retries (503), and the step with it.
            for step in driver.playbook.steps + driver.playbook.recovery {
                guard case .post(let to, _, _, _) = step.action, let record = byID[step.id.value], record.status != .skipped, let start = record.startedAt
                else { continue }
                let journaled = try await journal.deliveries(incident: incident.id, step: step.id.value)
                var anyFailed = false
                for target in to {
                    let type = driver.playbook.channel(target.value)?.type
                    let posted = (sentBySteps["\(name)/\(incident.id)/\(step.id.value)"] ?? []).filter { $0.channel == target.value }
                    let entry = journaled.first { $0.channel == target.value }
                    if entry?.status == .failed {
                        anyFailed = true
                        report.failedPosts += 1
                        #expect(posted.isEmpty)
                        #expect(
                            type == SoakWorld.downType && entry?.detail?.contains("503") == true,
                            "\(name)/\(step.id.value) on \(target.value) failed: \(entry?.detail ?? "")")
                        #expect(
                            start >= SoakWorld.downFrom.addingTimeInterval(-600) && start < SoakWorld.downUntil,
                            "\(name)/\(step.id.value) failed at \(start), outside Slack's hour down")
                    } else {
                        #expect(posted.count == 1 && entry?.status == .sent, "\(name)/\(step.id.value) posted \(posted.count) times on \(target.value)")
                    }
                }
                #expect(record.status == (anyFailed ? .failed : .succeeded), "\(name)/\(step.id.value): \(record.status) \(record.detail ?? "")")
            }
            // Every other step succeeded or was skipped by its own condition.
            for step in steps where step.status == .failed {
                let action = (driver.playbook.steps + driver.playbook.recovery).first { $0.id.value == step.step }?.action
                guard case .post = action else {
                    Issue.record("\(name)/\(step.step) failed: \(step.detail ?? "")")
                    continue
                }
            }
        }

        // Ads: each incident resumed exactly the campaigns it paused, and the accounts end as they began.
        let calls = await world.adsCalls
        for (incident, made) in Dictionary(grouping: calls, by: \.incident) {
            let paused = made.filter { $0.call == "pause" }.map { "\($0.account)/\($0.campaign)" }
            let resumed = made.filter { $0.call == "resume" }.map { "\($0.account)/\($0.campaign)" }
            #expect(paused.sorted() == resumed.sorted(), "\(incident): paused \(paused.sorted()), resumed \(resumed.sorted())")
            #expect(Set(paused).count == paused.count, "\(incident) paused a campaign twice")
            report.pausedCampaigns += paused.count
        }
        #expect(calls.contains { $0.call == "pause" }, "no campaign was paused at all")
        #expect(report.failedPosts > 0, "Slack's hour down failed no post")
        let accounts = await world.accounts
        for (id, campaigns) in initialAccounts {
            for (campaign, active) in campaigns {
                #expect(
                    accounts[id]?[campaign.id]?.active == active,
                    "\(id)/\(campaign.name) ends \(String(describing: accounts[id]?[campaign.id]?.active)), began \(active)")
            }
        }

        // Calendars: every post held was put back at its exact time, or — when that time passed
        // during the outage — 15 minutes after the restore, one minute apart in the original order.
        let calendars = await world.calendars
        for (path, posts) in initialCalendars {
            let owner = try #require(drivers.first { driver in driver.playbook.channels.contains { $0.type == .calendar && $0["path"]?.raw == path } })
            let incident = try #require(incidents.first { $0.playbook == owner.name })
            let steps = try await journal.steps(incident: incident.id)
            let restoreStep = try #require(owner.playbook.recovery.first { if case .restorePosts = $0.action { return true } else { return false } })
            let holdStep = try #require(owner.playbook.steps.first { if case .reschedulePosts = $0.action { return true } else { return false } })
            guard case .reschedulePosts(_, let networks, let window, _) = holdStep.action else { continue }
            let heldAt = try #require(steps.first { $0.step == holdStep.id.value }?.startedAt)
            let restoredAt = try #require(steps.first { $0.step == restoreStep.id.value }?.startedAt)
            let held = posts.filter { networks.map(\.value).contains($0.network) && $0.at >= heldAt && $0.at < heldAt.addingTimeInterval(window) }
                .sorted { ($0.at, $0.id) < ($1.at, $1.id) }
            #expect(!held.isEmpty, "\(path): nothing was held")
            report.heldPosts += held.count
            var late = 0
            for post in posts.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) }) {
                let final = calendars[path]?[post.id]?.at
                guard held.contains(post) else {
                    #expect(final == post.at, "\(path)/\(post.id) was not to move, and is at \(String(describing: final))")
                    continue
                }
                if post.at > restoredAt {
                    #expect(final == post.at, "\(path)/\(post.id) restored to \(String(describing: final)), not its time \(post.at)")
                } else {
                    let due = Date(
                        timeIntervalSince1970: (restoredAt.addingTimeInterval(15 * 60 + Double(late) * 60).timeIntervalSince1970 / 60).rounded(.up) * 60)
                    #expect(final == due, "\(path)/\(post.id) (its time passed) at \(String(describing: final)), expected \(due)")
                    late += 1
                }
            }
        }

        // Webhook calls: one per step per incident.
        let hooks = await world.webhookCalls
        let repeated = Dictionary(grouping: hooks, by: \.key).filter { $0.value.count > 1 }
        #expect(repeated.isEmpty, "webhook called more than once: \(repeated.keys.sorted())")
        return report
    }

    /// One delivery a notify step owes: its channel and address, and when quiet hours release it.
    struct Planned {
        var key: String
        var channel: String
        var timezone: String
        var deferredUntil: Date?

        func cancelled(_ resolvedAt: Date, _ recovery: Bool) -> Bool {
            guard !recovery, let deferredUntil else { return false }
            return deferredUntil > resolvedAt
        }
    }

    /// What a notify step owes, worked out from §6 and §8 independently of the engine's routing:
    /// the segment's members, the first channel each can receive on (or all), one message per
    /// address and channel, and SMS inside quiet hours (in the contact's timezone) deferred to their end.
    static func expectedDeliveries(_ playbook: Playbook, _ step: Step, incident: IncidentRecord, at start: Date, recovery: Bool) throws -> [Planned] {
        guard case .notify(let segmentID, let via, _, let mode) = step.action,
            let expression = playbook.audience?.segment(segmentID.value)?.condition.expression,
            let contactsName = playbook.audience?.contacts?.value
        else { return [] }
        var contacts = try ContactsFile(path: (playbook.directory as NSString).appendingPathComponent(contactsName), layout: playbook.audience?.layout ?? .native)
        defer { contacts.close() }
        let facts = Facts(
            trigger: [:], triggerID: incident.trigger, triggerKind: "", triggerTypes: [:], incidentID: incident.id, startedAt: incident.startedAt,
            elapsed: start.timeIntervalSince(incident.startedAt), now: start, active: !recovery,
            timezone: TimeZone(identifier: playbook.timezoneIdentifier)!, vars: playbook.vars)
        let playbookZone = TimeZone(identifier: playbook.timezoneIdentifier)!
        var seen = Set<String>()
        var out: [Planned] = []
        while let contact = contacts.next() {
            guard Evaluator(resolve: { facts.resolve($0, contact: contact) }).evaluate(expression) == .bool(true) else { continue }
            for channelID in via.map(\.value) {
                guard let type = playbook.channel(channelID)?.type else { continue }
                let address: String?
                switch type {
                case .smtp: address = !contact.email.isEmpty && contact.consentEmail ? contact.email.lowercased() : nil
                case .twilio: address = !contact.phone.isEmpty && contact.consentSMS ? contact.phone : nil
                case .telegram: address = (contact.fields["telegram_chat_id"] ?? "").isEmpty ? nil : contact.fields["telegram_chat_id"]
                case .webhook, .file: address = contact.id
                default: address = nil
                }
                guard let address else { continue }
                if seen.insert("\(channelID)|\(address)").inserted {
                    var until: Date?
                    if type == .twilio, let window = playbook.settings.quietHours?.value {
                        let zone = contact.timezone.isEmpty ? playbookZone : TimeZone(identifier: contact.timezone)!
                        until = Self.endOfQuietHours(window, at: start, in: zone)
                    }
                    out.append(Planned(key: "\(channelID)|\(address)", channel: channelID, timezone: contact.timezone, deferredUntil: until))
                }
                if mode == .first { break }
            }
        }
        return out
    }

    /// When `moment` is inside `window` in `zone`: the next moment the window ends there.
    static func endOfQuietHours(_ window: TimeWindow, at moment: Date, in zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: moment)
        guard window.contains(minuteOfDay: parts.hour! * 60 + parts.minute!) else { return nil }
        var candidate = calendar.date(bySettingHour: window.end / 60, minute: window.end % 60, second: 0, of: moment)!
        while candidate <= moment { candidate = calendar.date(byAdding: .day, value: 1, to: candidate)! }
        return candidate
    }

    /// The ad accounts the shipped playbooks name: campaigns, and whether each runs when the outage begins.
    static func accounts() -> [String: [(Campaign, Bool)]] {
        var meta: [(Campaign, Bool)] = [
            (Campaign(id: "m1", name: "Autumn sale"), true), (Campaign(id: "m2", name: "Brand awareness"), true),
            (Campaign(id: "m3", name: "Retargeting - cart"), true), (Campaign(id: "m4", name: "Summer clearance"), false),
        ]
        meta += (5...40).map { (Campaign(id: "m\($0)", name: "Creative test \($0)"), $0 % 4 != 0) }
        let google: [(Campaign, Bool)] = [
            (Campaign(id: "g1", name: "Shop - Shopping feed"), true), (Campaign(id: "g2", name: "Search - brand"), true),
            (Campaign(id: "g3", name: "PMax - autumn"), true), (Campaign(id: "g4", name: "Remarketing - display"), true),
            (Campaign(id: "g5", name: "Shop - old season"), false), (Campaign(id: "g6", name: "YouTube - teaser"), true),
        ]
        return ["act_1234567890": meta, "123-456-7890": google]
    }

    /// The content calendars: a post every 40 minutes over two days, across networks.
    static func calendars() -> [String: [SoakWorld.Post]] {
        var shop: [SoakWorld.Post] = [
            .init(id: "p1", network: "instagram", at: OutageWorld.at("17:00")), .init(id: "p2", network: "facebook", at: OutageWorld.at("18:30")),
            .init(id: "p3", network: "instagram", at: OutageWorld.at("09:00", day: 5)), .init(id: "p4", network: "x", at: OutageWorld.at("19:00")),
        ]
        var creator: [SoakWorld.Post] = [
            .init(id: "v101", network: "tiktok", at: OutageWorld.at("18:00")), .init(id: "v102", network: "tiktok", at: OutageWorld.at("21:00")),
            .init(id: "v103", network: "youtube", at: OutageWorld.at("16:00", day: 5)),
            .init(id: "v104", network: "tiktok", at: OutageWorld.at("12:00", day: 5)),
        ]
        let networks = ["instagram", "facebook", "x", "tiktok", "youtube"]
        for i in 0..<72 {
            let at = OutageWorld.at("12:00").addingTimeInterval(Double(i) * 40 * 60)
            shop.append(.init(id: "s\(i)", network: networks[i % networks.count], at: at))
            creator.append(.init(id: "c\(i)", network: networks[(i + 3) % networks.count], at: at.addingTimeInterval(7 * 60)))
        }
        return ["content/calendar.csv": shop, "content/creator-calendar.csv": creator]
    }
}
