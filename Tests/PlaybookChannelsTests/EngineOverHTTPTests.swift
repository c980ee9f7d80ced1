import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

/// The whole path, engine to wire: a run posts through real adapters to fake providers, honours
/// a provider's retry hint, pauses ads, and recovery resumes exactly what was paused.
@Suite struct EngineOverHTTPTests {
    @Test func runAndRecoverAgainstFakeProviders() async throws {
        let telegramCalls = Locked(0)
        let telegram = TelegramFake.handler(.success)
        let mastodon = MastodonFake.handler(.success)
        let meta = MetaFake(.success)
        let handler: LoopbackHTTPServer.Handler = { request in
            if request.path.hasSuffix("/sendMessage") {
                // The first attempt is rate limited with Telegram's own hint of one second.
                let call = telegramCalls.withLock { count -> Int in
                    count += 1
                    return count
                }
                if call == 1 {
                    return .json(429, #"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}"#)
                }
                return telegram(request)
            }
            if request.path.hasPrefix("/api/v1/") { return mastodon(request) }
            return meta.answer(request)
        }
        try await LoopbackHTTPServer.with(handler) { server in
            let text = """
                version: 1
                playbook: engine-over-http
                triggers:
                  - id: by-hand
                    manual: {}
                channels:
                  telegram: { type: telegram, bot_token: "${env.TG}", chat_id: "@exampleshop", base_url: "\(server.baseURL)" }
                  mastodon: { type: mastodon, instance: "https://mastodon.example", token: "${env.MASTO}", base_url: "\(server.baseURL)" }
                  meta-ads: { type: meta_ads, ad_account: "\(MetaFake.account)", access_token: "${env.META}", api_version: v27.0, base_url: "\(server.baseURL)" }
                steps:
                  - id: speak
                    post: { to: [telegram, mastodon], text: "We are open", link: "https://shop.example" }
                    retry: { attempts: 3, backoff: 5m }
                  - id: pause
                    pause_ads: { channel: meta-ads, campaigns: { name_matches: "^Summer" } }
                recovery:
                  - id: resume
                    resume_ads: { channel: meta-ads }

                """
            let loaded = PlaybookLoader.check(bytes: Array(text.utf8), path: "/tmp/engine-over-http.yaml")
            let playbook = try #require(loaded.playbook, "\(loaded.diagnostics)")
            let environment = ["TG": TelegramFake.token, "MASTO": MastodonFake.token, "META": MetaFake.token]
            let state = TestScratch.root.appendingPathComponent("engine-over-http-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: state) }
            let journal = try SQLiteJournal(directory: state)
            let started = Date()
            let (run, recovery) = try await LiveChannels.with(playbook: playbook, environment: environment) { channels in
                let engine = Engine(journal: journal, channels: channels)
                let run = try await engine.run(playbook, Engine.RunRequest())
                return (run, try await engine.recover(playbook))
            }
            #expect(run.statuses == ["speak": .succeeded, "pause": .succeeded])
            #expect(recovery.statuses["resume"] == .succeeded)
            // The hint (1 s) replaced the 5-minute backoff (the bound leaves room for a loaded machine).
            #expect(Date().timeIntervalSince(started) < 120)
            #expect(telegramCalls.current == 2)
            #expect(server.rejections == [])
            let keys = server.requests.filter { $0.path == "/api/v1/statuses" }.compactMap { $0.header("Idempotency-Key") }
            #expect(keys.count == 1 && keys[0].hasSuffix("/speak/mastodon"))
            #expect(
                meta.statuses.current.map { "\($0.0)=\($0.1)" } == [
                    "120210000000001=PAUSED", "120210000000003=PAUSED", "120210000000001=ACTIVE", "120210000000003=ACTIVE",
                ])
        }
    }
    /// A webhook step's `url: "${env.X}"` is resolved from the environment when the step runs,
    /// and the URL (a secret, like every `${env.X}` value) is nowhere in the journal.
    @Test func aWebhookStepCallsTheURLItsEnvironmentVariableHolds() async throws {
        try await LoopbackHTTPServer.with({ _ in .empty(204) }) { server in
            let text = """
                version: 1
                playbook: webhook-from-env
                triggers:
                  - id: by-hand
                    manual: {}
                steps:
                  - id: open-status
                    webhook: { url: "${env.STATUS_HOOK}", body: { status: investigating } }

                """
            let loaded = PlaybookLoader.check(bytes: Array(text.utf8), path: "/tmp/webhook-from-env.yaml")
            let playbook = try #require(loaded.playbook, "\(loaded.diagnostics)")
            let hook = "\(server.baseURL)/hooks/status-9f3c"
            let state = TestScratch.root.appendingPathComponent("webhook-from-env-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: state) }
            let journal = try SQLiteJournal(directory: state)
            let environment = ["STATUS_HOOK": hook]
            let run = try await LiveChannels.with(playbook: playbook, environment: environment) { channels in
                let redactor = SecretRedactor(secrets: LiveChannels.secrets(of: playbook, environment: environment))
                return try await Engine(journal: journal, channels: channels, redactor: redactor).run(playbook, Engine.RunRequest())
            }
            #expect(run.statuses == ["open-status": .succeeded])
            #expect(server.requests.map(\.path) == ["/hooks/status-9f3c"])
            #expect(server.requests.first?.text == #"{"status":"investigating"}"#)
            let deliveries = try await journal.deliveries(incident: try #require(run.incident), step: "open-status")
            #expect(!deliveries.map { "\($0)" }.joined().contains("status-9f3c"))
        }
    }

    /// Unset, the step fails with the variable's name, and the run goes on.
    @Test func aWebhookStepWhoseURLVariableIsUnsetFailsNamingIt() async throws {
        let text = """
            version: 1
            playbook: webhook-unset
            triggers:
              - id: by-hand
                manual: {}
            steps:
              - id: open-status
                webhook: { url: "${env.PLAYBOOK_TEST_UNSET_HOOK}", body: { status: investigating } }
              - id: note
                log: { message: still here }

            """
        let loaded = PlaybookLoader.check(bytes: Array(text.utf8), path: "/tmp/webhook-unset.yaml")
        let playbook = try #require(loaded.playbook, "\(loaded.diagnostics)")
        let state = TestScratch.root.appendingPathComponent("webhook-unset-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let journal = try SQLiteJournal(directory: state)
        let run = try await LiveChannels.with(playbook: playbook, environment: [:]) { channels in
            try await Engine(journal: journal, channels: channels).run(playbook, Engine.RunRequest())
        }
        #expect(run.statuses == ["open-status": .failed, "note": .succeeded])
        let steps = try await journal.steps(incident: try #require(run.incident))
        #expect(steps.first { $0.step == "open-status" }?.detail?.contains("'PLAYBOOK_TEST_UNSET_HOOK' is not set") == true)
    }
}
