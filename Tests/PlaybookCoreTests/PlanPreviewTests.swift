import Foundation
import PlaybookCore
import Testing

/// What `plan` shows of a step's text: what is known before the incident (`vars.*`) rendered,
/// what only the incident or the contact tells left as written.
@Suite struct PlanPreviewTests {
    static let yaml = """
        version: 1
        playbook: shop
        vars: { shop_url: "https://shop.example.com", shop: { name: "Example & Co" }, discount: 15 }
        triggers:
          - id: meta-down
            platform_down: { platforms: [facebook, instagram] }
        channels:
          x: { type: x, token: "${env.X_TOKEN}" }
          hook: { type: webhook, url: "${env.HOOK}" }
        steps:
          - id: speak
            post: { to: [x], text: "{{ trigger.platform_names }} is down. Not us: {{ vars.shop_url }}", link: "{{vars.shop_url}}/sale" }
          - id: note
            log: { message: "{{{ vars.shop.name }}}: {{ vars.discount }}%{{#trigger.platforms}} {{.}}{{/trigger.platforms}}" }
        """

    static let start = TestPlaybooks.date("2021-10-04T15:39:00Z")

    @Test func aPostShowsItsVarsRenderedAndTheIncidentsFactsAsWritten() throws {
        let playbook = try #require(TestPlaybooks.load(Self.yaml))
        let plan = try Planner.plan(playbook, .init(start: Self.start, includeContacts: false))
        let speak = try #require(plan.steps.first { $0.id == "speak" })
        #expect(
            speak.summary == "post on x: “{{ trigger.platform_names }} is down. Not us: https://shop.example.com” with link https://shop.example.com/sale")
        let note = try #require(plan.steps.first { $0.id == "note" })
        #expect(note.summary == "log “Example & Co: 15%{{#trigger.platforms}} {{.}}{{/trigger.platforms}}”")
        #expect(plan.rendered(.text).contains("Not us: https://shop.example.com"))
        #expect(!plan.rendered(.text).contains("{{ vars."))
    }

    @Test func setVarsAreWhatThePreviewShows() throws {
        let playbook = try #require(TestPlaybooks.load(Self.yaml))
        let assignment = try FactAssignment.parse("vars.shop_url=https://staging.example.com", scope: Planner.scope(of: playbook))
        let plan = try Planner.plan(playbook, .init(start: Self.start, assignments: [assignment], includeContacts: false))
        #expect(plan.steps.first { $0.id == "speak" }?.summary.hasSuffix("with link https://staging.example.com/sale") == true)
    }

    /// However long the timeline (a year-long wait), the HTML axis has a handful of ticks.
    @Test func aLongTimelineDrawsAFewTicks() throws {
        let playbook = try #require(
            TestPlaybooks.load(
                """
                version: 1
                playbook: long
                triggers: [{ id: t, manual: {} }]
                steps:
                  - { id: a, wait: { for: 366d } }
                  - { id: b, after: [a], wait: { for: 366d } }
                  - { id: c, after: [b], delay: 366d, log: { message: done } }
                """))
        let html = try Planner.plan(playbook, .init(start: Self.start, includeContacts: false)).rendered(.html)
        let ticks = html.components(separatedBy: "stroke=\"#edf2f7\"").count - 1
        #expect((1...10).contains(ticks), "\(ticks) ticks")
    }
}
