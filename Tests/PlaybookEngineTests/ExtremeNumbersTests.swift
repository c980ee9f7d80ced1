import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// Numbers from outside the process (a source's reading, a deadline, a lease) can be anything;
/// none of them may stop `watch` or `run`.
@Suite struct ExtremeNumbersTests {
    static let start = Date(timeIntervalSince1970: 1_633_362_000)

    static func traffic(baseline: String) -> String {
        """
        version: 1
        playbook: shop
        sources: { web: { type: plausible, url: "https://plausible.io", site_id: shop.example, api_key: key } }
        triggers:
          - id: drop
            traffic_drop: { source: web, drop: 40%, baseline: { fixed: \(baseline) } }
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - id: tell
            post: { to: [out], text: "traffic {{ trigger.value }}" }
        """
    }

    static let readings: [Double] = [1e19, -1e19, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, 0]
    static let baselines = ["1", "0.000000000000000000000000000001", "1e-300", "5e-324", "1e300"]

    /// A source that answers 1e19 against a baseline of 1 once aborted `watch` (SIGILL).
    @Test(arguments: readings, baselines)
    func aSourceReadingOfAnySizeIsObserved(_ value: Double, _ baseline: String) async throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.traffic(baseline: baseline)], clock: clock)
        let watcher = try fixture.watcher()
        fixture.sources.set("web", value)
        clock.advance(by: 60)
        await watcher.cycle("shop", "drop")
        await watcher.monitor("shop")!.idle()
        // Far below the baseline the condition holds; anything else (NaN included) does not.
        let holds = !fixture.reporter.events(named: "trigger_holds").isEmpty
        let fixed = try #require(Double(baseline))
        #expect(holds == (value <= 0.6 * fixed), "\(value) against \(baseline)")
    }

    /// A deadline centuries away sleeps (until cancelled) instead of trapping.
    @Test(arguments: [1e12, 1e19, Double.greatestFiniteMagnitude])
    func theSystemClockSleepsTowardsAnyDeadline(_ seconds: Double) async throws {
        let sleeper = Task { try await SystemClock().sleep(until: Date(timeIntervalSinceNow: seconds)) }
        try await Task.sleep(nanoseconds: 20_000_000)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    /// Through the library, any lease is held within what `--claim-lease` accepts.
    @Test func aClaimLeaseIsHeldWithinItsBounds() throws {
        var engine = Engine(
            journal: try SQLiteJournal(directory: TestScratch.root.appendingPathComponent("lease-\(UUID().uuidString)").path),
            channels: RecordingChannels(clock: SystemClock()))
        for (given, held) in [(-5.0, 1.0), (0, 1), (.nan, 15), (.infinity, 86_400), (1e19, 86_400), (30, 30)] {
            engine.claimLease = given
            #expect(engine.claimLease == held, "\(given)")
        }
    }
}
