import Foundation
import PlaybookCore
import Testing

/// Which `${env.X}` a run needs, and which steps each one breaks when it is missing.
@Suite struct RunEnvironmentTests {
    static func shipped(_ name: String) throws -> Playbook {
        let path = "\(SchemaTests.repositoryRoot)/playbooks/\(name)"
        let result = try PlaybookLoader.load(path: path)
        return try #require(result.playbook)
    }

    @Test func theMetaExampleNeedsEveryTokenOfItsChannelsWithTheStepsThatUseThem() throws {
        let playbook = try Self.shipped("meta-outage.yaml")
        let needs = RunEnvironment.needs(of: playbook)
        let byName = Dictionary(uniqueKeysWithValues: needs.map { ($0.name, $0) })
        #expect(Set(byName.keys) == ["SMTP_USER", "SMTP_PASSWORD", "TWILIO_SID", "TWILIO_TOKEN", "X_TOKEN", "MASTODON_TOKEN", "TELEGRAM_TOKEN", "META_TOKEN"])
        #expect(byName["SMTP_PASSWORD"]?.steps == ["warn-vips", "everyone"])
        #expect(byName["X_TOKEN"]?.steps == ["speak-elsewhere", "back"])
        #expect(byName["TELEGRAM_TOKEN"]?.steps == ["speak-elsewhere"])
        #expect(byName["META_TOKEN"]?.steps == ["pause-ads", "resume-ads"])
        #expect(byName["META_TOKEN"]?.isCredential == true)
        #expect(byName["SMTP_USER"]?.isCredential == false, "a user name is not a credential field")
        #expect(byName["TWILIO_SID"]?.isCredential == false)
    }

    @Test func unsetAndTooShortAreProblemsButAShortUserNameIsNot() throws {
        let playbook = try Self.shipped("meta-outage.yaml")
        let full = [
            "SMTP_USER": "me", "SMTP_PASSWORD": "pw-123456", "TWILIO_SID": "AC1", "TWILIO_TOKEN": "tw-123456", "X_TOKEN": "x-123456",
            "MASTODON_TOKEN": "m-123456", "TELEGRAM_TOKEN": "t-123456", "META_TOKEN": "meta-123456",
        ]
        #expect(RunEnvironment.problems(RunEnvironment.needs(of: playbook), in: full).isEmpty)
        var broken = full
        broken["X_TOKEN"] = nil
        broken["META_TOKEN"] = "abc"
        let problems = RunEnvironment.problems(RunEnvironment.needs(of: playbook), in: broken)
        #expect(problems.map(\.need.name) == ["X_TOKEN", "META_TOKEN"])
        #expect(problems.map(\.kind) == [.unset, .tooShort(length: 3)])
        let lines = RunEnvironment.describe(problems, playbook: playbook)
        #expect(lines[0].contains("X_TOKEN") && lines[0].contains("not set: channel 'x' — breaks steps speak-elsewhere, back (recovery)"))
        #expect(lines[1].contains("only 3 characters long"))
        #expect(!lines.joined().contains("abc"), "a value is never shown")
    }

    @Test func unusedChannelsAreNotNeededButAWebhookStepURLAndAProbedSourceAre() throws {
        let playbook = try #require(
            TestPlaybooks.load(
                """
                version: 1
                playbook: needs
                sources:
                  visits: { type: plausible, url: "${env.PLAUSIBLE_URL}", site_id: shop.example, api_key: "${env.PLAUSIBLE_KEY}" }
                triggers:
                  - { id: drop, traffic_drop: { source: visits, drop: 40%, baseline: 7d } }
                channels:
                  unused: { type: x, token: "${env.UNUSED}" }
                steps:
                  - { id: hook, webhook: { url: "${env.HOOK_URL}", body: { a: 1 } } }
                """))
        #expect(RunEnvironment.needs(of: playbook).map(\.name) == ["HOOK_URL"])
        let probing = RunEnvironment.needs(of: playbook, probing: playbook.triggers[0])
        #expect(probing.map(\.name) == ["HOOK_URL", "PLAUSIBLE_URL", "PLAUSIBLE_KEY"])
        #expect(probing.last?.isCredential == true)
        #expect(probing.last?.owners == ["source 'visits' (read once for trigger 'drop')"])
    }
}
