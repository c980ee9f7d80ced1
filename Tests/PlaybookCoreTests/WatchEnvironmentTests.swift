import Testing

@testable import PlaybookCore

/// What `watch` checks in the environment before it starts: the values it reads before
/// anything fires must be set (credentials long enough); a channel's unset value only warns.
@Suite struct WatchEnvironmentTests {
    static let yaml = """
        version: 1
        playbook: p
        sources: { web: { type: plausible, url: "https://${env.STATS_HOST}/api", site_id: shop.example, api_key: "${env.STATS_KEY}" } }
        triggers:
          - { id: drop, traffic_drop: { source: web, drop: 50%, baseline: { fixed: 100 } } }
          - { id: hook, webhook: { path: /hooks/p, secret: "${env.HOOK_SECRET}" } }
        channels:
          x: { type: x, token: "${env.X_TOKEN}" }
        steps: [{ id: s, post: { to: [x], text: "hi" } }]

        """

    static func playbook() throws -> Playbook {
        let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: "p.yaml")
        #expect(result.isValid, "\(result.diagnostics.map(\.message))")
        return try #require(result.playbook)
    }

    static let everything = ["STATS_HOST": "stats.example", "STATS_KEY": "key-1234", "HOOK_SECRET": "s3cret", "X_TOKEN": "token-5678"]

    @Test func sourcesAndWebhookSecretsAreNeededCredentialsAmongThem() throws {
        let needs = WatchEnvironment.needs(of: try Self.playbook())
        #expect(needs.map(\.owner) == ["source 'web'", "source 'web'", "webhook trigger 'hook'"])
        #expect(needs.map(\.value.environmentNames) == [["STATS_HOST"], ["STATS_KEY"], ["HOOK_SECRET"]])
        #expect(needs.map(\.isCredential) == [false, true, true])
    }

    @Test func aPlaybookWithEverythingSetIsAdmittedWithoutAWord() throws {
        let admission = WatchEnvironment.admission(of: try Self.playbook(), in: Self.everything)
        #expect(!admission.refused)
        #expect(admission.diagnostics.isEmpty)
    }

    @Test func anUnsetSourceValueRefusesThePlaybookAtItsLine() throws {
        var environment = Self.everything
        environment["STATS_HOST"] = nil
        let admission = WatchEnvironment.admission(of: try Self.playbook(), in: environment)
        #expect(admission.refused)
        #expect(
            admission.diagnostics.map { "\($0.location.line): \($0.severity): \($0.message)" } == [
                "3: error: environment variable 'STATS_HOST' is not set (source 'web' needs it to watch)"
            ])
    }

    @Test func aShortCredentialIsRefusedWithoutShowingIt() throws {
        var environment = Self.everything
        environment["HOOK_SECRET"] = "k9q"
        environment["X_TOKEN"] = "zz"
        let admission = WatchEnvironment.admission(of: try Self.playbook(), in: environment)
        #expect(admission.refused)
        #expect(
            admission.diagnostics.map(\.message) == [
                "environment variable 'HOOK_SECRET' is only 3 characters long (a credential needs at least 4) (webhook trigger 'hook' needs it to watch)",
                "environment variable 'X_TOKEN' is only 2 characters long (a credential needs at least 4) (channel 'x', field 'token')",
            ])
        #expect(!admission.diagnostics.contains { $0.message.contains("k9q") || $0.message.contains("zz)") })
    }

    @Test func anUnsetChannelValueOnlyWarns() throws {
        var environment = Self.everything
        environment["X_TOKEN"] = nil
        let admission = WatchEnvironment.admission(of: try Self.playbook(), in: environment)
        #expect(!admission.refused)
        #expect(
            admission.diagnostics.map { "\($0.severity): \($0.message)" } == [
                "warning: environment variable 'X_TOKEN' is not set: channel 'x' will fail when a step uses it"
            ])
    }

    @Test func theRefusalLineCountsThePlaybooksThatCannotBeWatched() {
        let batch = PlaybookBatch(files: ["a.yaml", "b.yaml"], playbooks: [], diagnostics: [], sources: [:], refused: 1)
        #expect(WatchEnvironment.refusal(of: batch) == "refusing to start: 1 of 2 playbooks cannot be watched")
        #expect(WatchEnvironment.refusal(of: PlaybookBatch(files: ["a.yaml"], playbooks: [], diagnostics: [], sources: [:], refused: 0)) == nil)
    }
}
