import PlaybookCore
import PlaybookEngine
import Testing

/// Which trigger `run` probes before it opens an incident: only a new incident's, only when no
/// reviewed plan and no `--set` already decided what the probe would find.
@Suite struct TriggerProbeChoiceTests {
    static let yaml = """
        version: 1
        playbook: choice
        triggers:
          - id: down
            platform_down: { platforms: [facebook, instagram] }
          - { id: by-hand, manual: {} }
        steps: [{ id: s, log: { message: x } }]
        """

    func probed(triggerID: String? = nil, given: [(path: [String], value: Value)] = [], resuming: Bool = false, planned: Bool = false) throws -> String? {
        let playbook = try #require(PlaybookLoader.check(bytes: Array(Self.yaml.utf8), path: "choice.yaml").playbook)
        return TriggerProbe.trigger(toProbeIn: playbook, triggerID: triggerID, given: given, resuming: resuming, planned: planned)?.id.value
    }

    @Test func aNewIncidentProbesItsTriggerTheFirstWhenNoneIsNamed() throws {
        #expect(try probed() == "down")
        #expect(try probed(triggerID: "down") == "down")
    }

    @Test func aManualTriggerIsNotProbed() throws {
        #expect(try probed(triggerID: "by-hand") == nil)
    }

    @Test func aResumedIncidentOrAReviewedPlanIsNotProbed() throws {
        #expect(try probed(resuming: true) == nil)
        #expect(try probed(planned: true) == nil)
    }

    @Test func factsGivenWithSetAreNotProbedAgain() throws {
        #expect(try probed(given: [(["trigger", "platforms"], .list([.text("facebook")]))]) == nil)
    }

    @Test func anUnknownTriggerIsLeftToTheEngineToRefuse() throws {
        #expect(try probed(triggerID: "nope") == nil)
    }
}
