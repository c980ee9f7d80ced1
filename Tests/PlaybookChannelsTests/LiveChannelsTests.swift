import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import Testing

/// The registry builds every HTTP adapter from a playbook's channel configuration (with
/// `${env.X}` resolved and `base_url` applied), and `check` makes each one's harmless call.
@Suite struct LiveChannelsTests {
    /// One loopback server standing in for all nine providers, routed by path.
    static func providers() -> LoopbackHTTPServer.Handler {
        let twilio = TwilioFake.handler(.success)
        let slack = SlackFake.handler(.success)
        let discord = DiscordFake.handler(.success)
        let telegram = TelegramFake.handler(.success)
        let mastodon = MastodonFake.handler(.success)
        let bluesky = BlueskyFake(.success).handler
        let x = XFake.handler(.success)
        let meta = MetaFake(.success).handler
        let google = GoogleAdsFake(.success, expectManager: false).handler
        return { request in
            let path = request.path
            if path.hasPrefix("/2010-04-01/") { return twilio(request) }
            if path.hasPrefix("/services/") { return slack(request) }
            if path.hasPrefix("/api/webhooks/") { return discord(request) }
            if path.hasPrefix("/bot") { return telegram(request) }
            if path.hasPrefix("/api/v1/") { return mastodon(request) }
            if path.hasPrefix("/xrpc/") { return bluesky(request) }
            if path.hasPrefix("/2/") { return x(request) }
            if path.hasPrefix("/v27.0/") { return meta(request) }
            if path.hasPrefix("/v26/") { return google(request) }
            return .reject("no provider at \(path)")
        }
    }

    static func playbook(baseURL: String) throws -> Playbook {
        let text = """
            version: 1
            playbook: every-provider
            triggers:
              - id: by-hand
                manual: {}
            channels:
              sms: { type: twilio, account_sid: "\(TwilioFake.sid)", auth_token: "${env.TWILIO_TOKEN}", from: "+390000000000", base_url: "\(baseURL)" }
              team: { type: slack, webhook_url: "${env.SLACK_WEBHOOK}", base_url: "\(baseURL)" }
              community: { type: discord, webhook_url: "https://discord.com\(DiscordFake.path)", base_url: "\(baseURL)" }
              telegram: { type: telegram, bot_token: "${env.TELEGRAM_TOKEN}", chat_id: "@exampleshop", base_url: "\(baseURL)" }
              mastodon: { type: mastodon, instance: "https://mastodon.example", token: "${env.MASTODON_TOKEN}", base_url: "\(baseURL)" }
              bluesky: { type: bluesky, handle: "\(BlueskyFake.handle)", app_password: "${env.BLUESKY_PASSWORD}", base_url: "\(baseURL)" }
              x: { type: x, token: "${env.X_TOKEN}", base_url: "\(baseURL)" }
              meta-ads: { type: meta_ads, ad_account: "\(MetaFake.account)", access_token: "${env.META_TOKEN}", api_version: "v27.0", base_url: "\(baseURL)" }
              google-ads: { type: google_ads, customer_id: "123-456-7890", developer_token: "\(GoogleAdsFake.developerToken)", access_token: "${env.GOOGLE_TOKEN}", base_url: "\(baseURL)" }
              unset: { type: x, token: "${env.PLAYBOOK_TEST_UNSET_TOKEN}" }
            steps:
              - id: speak
                post: { to: [team, community, telegram, mastodon, bluesky, x, unset], text: "We are open" }
              - id: pause-meta
                pause_ads: { channel: meta-ads, campaigns: all }
              - id: pause-google
                pause_ads: { channel: google-ads, campaigns: all }

            """
        let result = PlaybookLoader.check(bytes: Array(text.utf8), path: "/tmp/every-provider.yaml")
        return try #require(result.playbook, "\(result.diagnostics)")
    }

    static let environment = [
        "TWILIO_TOKEN": TwilioFake.token, "SLACK_WEBHOOK": "https://hooks.slack.com\(SlackFake.path)", "TELEGRAM_TOKEN": TelegramFake.token,
        "MASTODON_TOKEN": MastodonFake.token, "BLUESKY_PASSWORD": BlueskyFake.appPassword, "X_TOKEN": XFake.token,
        "META_TOKEN": MetaFake.token, "GOOGLE_TOKEN": GoogleAdsFake.accessToken,
    ]

    @Test func everyHTTPTypeIsBuiltAndChecked() async throws {
        try await LoopbackHTTPServer.with(Self.providers()) { server in
            let playbook = try Self.playbook(baseURL: server.baseURL)
            let outcomes = try await LiveChannels.with(playbook: playbook, environment: Self.environment) { live in
                let sms = try await live.messageChannel("sms")
                let bluesky = try await live.messageChannel("bluesky")
                let google = try await live.adsChannel("google-ads")
                #expect(sms is TwilioChannel)
                #expect(bluesky is BlueskyChannel)
                #expect(google is GoogleAdsChannel)
                var outcomes: [String: LiveChannels.CheckOutcome] = [:]
                for channel in playbook.channels { outcomes[channel.id.value] = await live.check(channel.id.value) }
                return outcomes
            }
            #expect(server.rejections == [])
            #expect(outcomes["sms"] == .ok("account \"Example Shop\" (active)"))
            #expect(outcomes["community"] == .ok("webhook \"Shop alerts\" in channel 987654321"))
            #expect(outcomes["telegram"] == .ok("bot @example_shop_bot, chat Example Shop news"))
            #expect(outcomes["mastodon"] == .ok("account @exampleshop on https://mastodon.example"))
            #expect(outcomes["bluesky"] == .ok("signed in as @\(BlueskyFake.handle) (\(BlueskyFake.did))"))
            #expect(outcomes["x"] == .ok("account @exampleshop"))
            #expect(outcomes["meta-ads"] == .ok("ad account \"Example Shop\" (active)"))
            #expect(outcomes["google-ads"] == .ok("customer 1234567890 is accessible"))
            guard case .notChecked = outcomes["team"] else {
                Issue.record("slack: \(String(describing: outcomes["team"]))")
                return
            }
            guard case .failed(let why) = outcomes["unset"] else {
                Issue.record("unset: \(String(describing: outcomes["unset"]))")
                return
            }
            #expect(why.contains("PLAYBOOK_TEST_UNSET_TOKEN"))
        }
    }

    @Test func aPostAndAPauseGoThroughTheRegistry() async throws {
        try await LoopbackHTTPServer.with(Self.providers()) { server in
            let playbook = try Self.playbook(baseURL: server.baseURL)
            try await LiveChannels.with(playbook: playbook, environment: Self.environment) { live in
                for id in ["team", "community", "telegram", "mastodon", "bluesky", "x"] {
                    _ = try await live.messageChannel(id).send(.post("We are open", key: "inc-1/speak/\(id)"))
                }
                let ads = try await live.adsChannel("meta-ads")
                let active = try await ads.activeCampaigns(matching: .nameMatches("Summer"))
                for campaign in active { try await ads.pause(campaign, idempotencyKey: "k-\(campaign.id)") }
                #expect(active.count == 2)
            }
            #expect(server.rejections == [])
            #expect(server.requests.count == 11)
        }
    }
}
