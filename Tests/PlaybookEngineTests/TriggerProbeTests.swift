import Foundation
import PlaybookCore
@testable import PlaybookEngine
import Testing

/// `playbook run`'s one look at its trigger: the rules of `watch` (down_when, the catalog's
/// checks, a source's baseline), applied once, giving the facts the steps read.
@Suite struct TriggerProbeTests {
    struct ScriptedProber: Prober {
        var failing: Set<String>
        func probe(_ check: ProbeCheck, timeout: Double) async -> ProbeResult {
            failing.contains(where: { check.summary.contains($0) }) ? .down("refused") : .up("HTTP 200")
        }
    }

    struct FixedSource: SourceReader {
        var value: Double?
        func current(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double {
            guard let value else { throw SourceFailure("connection refused") }
            return value
        }
        func past(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double? { nil }
    }


    static let platforms = """
        version: 1
        playbook: probe
        triggers:
          - id: down
            platform_down: { platforms: [facebook, instagram, whatsapp], down_when: majority }
        steps: [{ id: s, log: { message: x } }]
        """

    @Test func downWhenMajorityNeedsTwoOfThreeChecksFailing() async throws {
        let fixture = try EngineFixture(Self.platforms)
        let playbook = fixture.playbook
        // One failing check of Facebook (its DNS) is not a majority; all of Instagram's are.
        let prober = ScriptedProber(failing: ["dns facebook.com", "instagram"])
        let reading = try #require(await TriggerProbe(prober: prober, sources: FixedSource(value: nil), journal: fixture.journal).read(playbook.triggers[0], of: playbook))
        #expect(reading.platforms.map(\.id) == ["facebook", "instagram", "whatsapp"])
        #expect(reading.downPlatforms == ["instagram"])
        #expect(reading.platforms[0].detail.hasPrefix("1/3 checks fail"))
        #expect(reading.facts.count == 1 && reading.facts[0].path == ["trigger", "platforms"])
        #expect(reading.facts[0].value == .list([.text("instagram")]))
    }

    @Test func noProbeAssumesEveryListedPlatformDown() throws {
        let fixture = try EngineFixture(Self.platforms)
        let playbook = fixture.playbook
        let reading = try #require(TriggerProbe.assumingDown(playbook.triggers[0]))
        #expect(reading.downPlatforms == ["facebook", "instagram", "whatsapp"])
        #expect(reading.lines.first?.contains("--no-probe") == true)
    }

    static let traffic = """
        version: 1
        playbook: traffic
        sources: { web: { type: json, url: "http://127.0.0.1:9/", field: visitors } }
        triggers:
          - id: drop
            traffic_drop: { source: web, drop: 40%, baseline: { fixed: 200 } }
        steps: [{ id: s, log: { message: x } }]
        """

    @Test func aTrafficDropReadsValueBaselineAndDropOnce() async throws {
        let fixture = try EngineFixture(Self.traffic)
        let playbook = fixture.playbook
        let reading = try #require(await TriggerProbe(prober: ScriptedProber(failing: []), sources: FixedSource(value: 50), journal: fixture.journal).read(playbook.triggers[0], of: playbook))
        let facts = Dictionary(uniqueKeysWithValues: reading.facts.map { ($0.path.joined(separator: "."), $0.value) })
        #expect(facts["trigger.value"] == .number(50))
        #expect(facts["trigger.baseline"] == .number(200))
        #expect(facts["trigger.drop"] == .number(0.75))
        #expect(reading.lines.first?.contains("trigger.value = 50, trigger.baseline = 200, trigger.drop = 75%") == true, "\(reading.lines)")
    }

    @Test func anUnreadableSourceIsSaidAndGivesNoFacts() async throws {
        let fixture = try EngineFixture(Self.traffic)
        let playbook = fixture.playbook
        let reading = try #require(await TriggerProbe(prober: ScriptedProber(failing: []), sources: FixedSource(value: nil), journal: fixture.journal).read(playbook.triggers[0], of: playbook))
        #expect(reading.facts.isEmpty)
        #expect(reading.lines == ["trigger 'drop': could not read its source: connection refused; trigger.value, trigger.baseline and trigger.drop stay 0"])
    }

    @Test func givenFactsAreNotProbed() throws {
        let fixture = try EngineFixture(Self.platforms)
        let playbook = fixture.playbook
        #expect(TriggerProbe.shouldProbe(playbook.triggers[0], given: []))
        #expect(!TriggerProbe.shouldProbe(playbook.triggers[0], given: [(["trigger", "platforms"], .list([]))]))
        #expect(!TriggerProbe.shouldProbe(playbook.triggers[0], given: [(["trigger", "platforms"], .list([.text("x")]))]))
    }
}
