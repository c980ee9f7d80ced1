import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

/// The shipped Meta example as `playbook run` drives it on the day: the trigger is probed once
/// (the catalog's checks for Facebook, Instagram and WhatsApp, with Instagram's failing), the
/// facts it learns decide `pause-ads`, and the ads are paused at the (loopback) Graph API —
/// without any `--set`.
@Suite struct ShippedMetaExampleTests {
    /// The network of a Meta outage: every check of Instagram fails; the rest answer.
    struct InstagramDown: Prober {
        func probe(_ check: ProbeCheck, timeout: Double) async -> ProbeResult {
            check.summary.contains("instagram") ? .down(check.summary.hasPrefix("dns") ? "SERVFAIL" : "HTTP 503") : .up("HTTP 200")
        }
    }

    struct NoSources: SourceReader {
        func current(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double {
            throw SourceFailure("not read in this test")
        }
        func past(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double? { nil }
    }

    /// Time that jumps to each deadline: the incident's hour passes at once.
    final class JumpingClock: EngineClock, @unchecked Sendable {
        private let time: Locked<Date>
        init(_ start: Date) { time = Locked(start) }
        func now() -> Date { time.current }
        func sleep(until deadline: Date) async throws {
            time.withLock { $0 = max($0, deadline) }
            try Task.checkCancellation()
        }
    }

    @Test func instagramsFailingChecksPauseTheAdsWithoutAnySet() async throws {
        // A copy of playbooks/ (the calendar is rewritten by hold-posts).
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = TestScratch.root.appendingPathComponent("shipped-meta-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: repository.appendingPathComponent("playbooks"), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let loaded = try PlaybookLoader.load(path: folder.appendingPathComponent("meta-outage.yaml").path)
        var playbook = try #require(loaded.playbook)
        #expect(loaded.diagnostics.filter { $0.severity != .error }.allSatisfy { !$0.message.contains("not YAML") }, "the example is plain YAML")

        let meta = MetaFake(.success)
        try await LoopbackHTTPServer.with({ meta.answer($0) }) { server in
            // Every HTTP provider talks to the loopback server; SMTP goes nowhere (port 1).
            for index in playbook.channels.indices where playbook.channels[index].type.isHTTP {
                let location = playbook.channels[index].id.location
                playbook.channels[index].baseURL = ConfigValue(raw: server.baseURL, location: location, environmentNames: [])
            }
            let start = ISO8601DateFormatter().date(from: "2021-10-04T15:39:00Z")!
            let clock = JumpingClock(start)
            let state = folder.appendingPathComponent(".playbook").path
            let journal = try SQLiteJournal(directory: state)

            let trigger = try #require(playbook.trigger("meta-down"))
            #expect(TriggerProbe.shouldProbe(trigger, given: []))
            let reading = try #require(await TriggerProbe(prober: InstagramDown(), sources: NoSources(), journal: journal, clock: clock).read(trigger, of: playbook))
            #expect(reading.downPlatforms == ["instagram"])
            #expect(reading.platforms.map(\.down) == [false, true, false])
            #expect(reading.platforms[1].detail.contains("3/3 checks fail"))
            #expect(reading.lines.last == "trigger.platforms = [instagram] (Instagram)")

            let environment = [
                "SMTP_USER": "shop", "SMTP_PASSWORD": "smtp-password", "TWILIO_SID": "AC123", "TWILIO_TOKEN": "twilio-token",
                "X_TOKEN": "x-token-123", "MASTODON_TOKEN": "mastodon-token", "TELEGRAM_TOKEN": "telegram-token", "META_TOKEN": MetaFake.token,
            ]
            #expect(RunEnvironment.problems(RunEnvironment.needs(of: playbook), in: environment).isEmpty)
            let outcome = try await LiveChannels.with(playbook: playbook, environment: environment) { channels in
                let engine = Engine(journal: journal, channels: channels, clock: clock)
                return try await engine.run(playbook, Engine.RunRequest(triggerID: "meta-down", assignments: reading.facts))
            }
            #expect(outcome.statuses["pause-ads"] == .succeeded, "\(outcome.statuses)")
            #expect(meta.statuses.current.contains { $0.1 == "PAUSED" }, "the Graph API saw the pause")
        }
    }
}
