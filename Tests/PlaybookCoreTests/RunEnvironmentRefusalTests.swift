import PlaybookCore
import Testing

/// What `run` and `recover` say before refusing for unset `${env.X}`, or while running anyway.
@Suite struct RunEnvironmentRefusalTests {
    static let yaml = """
        version: 1
        playbook: refusal
        triggers: [{ id: by-hand, manual: {} }]
        channels:
          x: { type: x, token: "${env.X_TOKEN}" }
          ads: { type: meta_ads, ad_account: act_1, access_token: "${env.META_TOKEN}" }
        steps:
          - { id: speak, post: { to: [x], text: "hi" } }
          - { id: pause, pause_ads: { channel: ads, campaigns: all } }
        recovery:
          - { id: resume, resume_ads: { channel: ads } }

        """

    static func problems(_ environment: [String: String], recoveryOnly: Bool = false) throws -> (Playbook, [RunEnvironment.Problem]) {
        let playbook = try #require(PlaybookLoader.check(bytes: Array(yaml.utf8), path: "p.yaml").playbook)
        return (playbook, RunEnvironment.problems(RunEnvironment.needs(of: playbook, recoveryOnly: recoveryOnly), in: environment))
    }

    @Test func nothingMissingSaysNothing() throws {
        let (playbook, problems) = try Self.problems(["X_TOKEN": "x-123456", "META_TOKEN": "meta-123456"])
        #expect(RunEnvironment.refusal(problems, playbook: playbook, verb: "run", allowMissing: false) == nil)
    }

    @Test func aRunIsRefusedNamingEachVariableWhatItBreaksAndThatNothingWasSent() throws {
        let (playbook, problems) = try Self.problems([:])
        let refusal = try #require(RunEnvironment.refusal(problems, playbook: playbook, verb: "run", allowMissing: false))
        #expect(refusal.refuses)
        #expect(
            refusal.text == """
                playbook: refusing to run 'refusal': 2 environment variables are not usable:
                  X_TOKEN     not set: channel 'x' — breaks step speak
                  META_TOKEN  not set: channel 'ads' — breaks steps pause, resume (recovery)
                nothing was sent and no incident was opened; set them and try again, or add --allow-missing-env to run the other steps anyway

                """)
    }

    @Test func aRecoverIsRefusedInTheSingularWithNoIncidentChanged() throws {
        let (playbook, problems) = try Self.problems(["X_TOKEN": "x-123456"], recoveryOnly: true)
        let refusal = try #require(RunEnvironment.refusal(problems, playbook: playbook, verb: "recover", allowMissing: false))
        #expect(refusal.text.hasPrefix("playbook: refusing to recover 'refusal': 1 environment variable is not usable:\n"))
        #expect(
            refusal.text.hasSuffix(
                "nothing was sent and no incident was changed; set it and try again, or add --allow-missing-env to run the other steps anyway\n"))
    }

    @Test func allowMissingOnlyWarns() throws {
        let (playbook, problems) = try Self.problems(["META_TOKEN": "meta-123456"])
        let refusal = try #require(RunEnvironment.refusal(problems, playbook: playbook, verb: "run", allowMissing: true))
        #expect(!refusal.refuses)
        #expect(
            refusal.text
                == "warning: running anyway (--allow-missing-env) without 1 environment variable:\n  X_TOKEN  not set: channel 'x' — breaks step speak\n")
    }
}
