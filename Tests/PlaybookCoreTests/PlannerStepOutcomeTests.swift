import Foundation
import PlaybookCore
import Testing

/// What `plan` says of steps that come after others and of `if`s that read `steps.ID.status`:
/// `after` never makes a step depend on another's success, so only an `if` on an outcome makes
/// `will_run` null (known at run time); recovery has not started while the incident's steps run.
@Suite struct PlannerStepOutcomeTests {
    static let playbook = """
        version: 1
        playbook: outcomes
        triggers: [{ id: t, manual: {} }]
        channels: { out: { type: file, path: out.jsonl } }
        steps:
          - { id: email, post: { to: [out], text: mail } }
          - { id: later, after: [email], delay: 1h, post: { to: [out], text: later } }
          - { id: fallback, after: [email], if: "steps.email.status == 'failed'", post: { to: [out], text: sms } }
          - { id: before-recovery, if: "steps.back.status == 'pending'", post: { to: [out], text: early } }
        recovery:
          - { id: back, post: { to: [out], text: back } }
          - { id: recap, if: "steps.email.status == 'succeeded'", post: { to: [out], text: recap } }
        """

    @Test func onlyAnIfOnAnotherStepsOutcomeDependsOnTheRun() throws {
        let playbook = try #require(TestPlaybooks.load(Self.playbook))
        let plan = try Planner.plan(playbook, .init(start: TestPlaybooks.date("2021-10-04T15:39:00Z"), includeContacts: false))
        let steps = Dictionary((plan.steps + plan.recovery).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(steps["later"]?.willRun == true, "after orders; it does not depend on success")
        #expect(steps["later"]?.offset == 3_600)
        #expect(steps["fallback"]?.willRun == nil)
        #expect(steps["fallback"]?.reason == "depends on the outcome of step 'email', known only at run time")
        #expect(steps["before-recovery"]?.willRun == true, "recovery has not started while the incident's steps run")
        #expect(steps["recap"]?.willRun == nil)
    }
}
