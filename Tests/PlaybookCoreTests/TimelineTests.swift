import Foundation
import PlaybookCore
import Testing

/// §6's timing: offset = max(at, end(d) + delay for each d in after), end(d) = offset + duration (wait only).
@Suite struct TimelineTests {
    static let playbook = """
        version: 1
        playbook: timing
        triggers: [{ id: t, manual: {} }]
        steps:
          - { id: a, log: { message: a } }
          - { id: b, at: 10m, log: { message: b } }
          - { id: w, wait: { for: 30m } }
          - { id: c, after: [a, w], delay: 5m, log: { message: c } }
          - { id: d, after: [b], at: 20m, log: { message: d } }
          - { id: e, after: [b], delay: 1h, log: { message: e } }
          - { id: f, after: [c, e], log: { message: f } }
          - { id: g, at: "+2h", after: [f], log: { message: g } }
        recovery:
          - { id: r1, wait: { for: 15m } }
          - { id: r2, after: [r1], log: { message: done } }
        """

    @Test func offsetsFollowTheContractArithmetic() throws {
        let playbook = try #require(TestPlaybooks.load(Self.playbook))
        let offsets = Timeline.offsets(of: playbook.steps)
        #expect(offsets == ["a": 0, "b": 600, "w": 0, "c": 2100, "d": 1200, "e": 4200, "f": 4200, "g": 7200])
        #expect(Timeline.offsets(of: playbook.recovery) == ["r1": 0, "r2": 900])
    }

    @Test func planShowsWallClockAndRecoveryFromResolution() throws {
        let playbook = try #require(TestPlaybooks.load(Self.playbook))
        let start = TestPlaybooks.date("2021-10-04T15:39:00Z")
        let plan = try Planner.plan(playbook, .init(start: start, resolvedAt: TestPlaybooks.date("2021-10-04T22:40:00Z")))
        #expect(plan.steps.first { $0.id == "c" }?.start == start.addingTimeInterval(2100))
        #expect(plan.recovery.first { $0.id == "r2" }?.start == TestPlaybooks.date("2021-10-04T22:55:00Z"))
        #expect(plan.steps.allSatisfy { $0.willRun == true })
    }
}
