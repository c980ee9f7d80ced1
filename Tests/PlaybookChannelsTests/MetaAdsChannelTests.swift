import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import Testing

/// Meta's Marketing API as documented at
/// https://developers.facebook.com/docs/marketing-api/reference/ad-account/campaigns/ (list),
/// https://developers.facebook.com/docs/graph-api/results (cursor paging),
/// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/#Updating
/// (POST status), https://developers.facebook.com/docs/marketing-api/reference/ad-account/ (check),
/// https://developers.facebook.com/docs/graph-api/guides/error-handling (the error envelope) and
/// https://developers.facebook.com/docs/graph-api/overview/rate-limiting (80004 with
/// `X-Business-Use-Case-Usage`).
final class MetaFake: Sendable {
    static let token = "EAABsbCS1iHgBAKZCZAtestTokenZBZCxyz123456789"
    static let account = "act_1234567890"
    static let version = "v27.0"

    let play: Play
    let statuses = Locked<[(String, String)]>([])

    init(_ play: Play) { self.play = play }

    var handler: LoopbackHTTPServer.Handler { { request in self.answer(request) } }

    func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        let prefix = "/\(Self.version)/"
        guard request.path.hasPrefix(prefix) else { return .reject("path \(request.path) lacks the version") }
        let object = String(request.path.dropFirst(prefix.count))
        let token = request.method == "GET" ? request.query["access_token"] : request.form["access_token"]
        guard token == Self.token else { return .reject("access_token parameter") }
        if let failure = failure() { return failure }
        switch (request.method, object) {
        case ("GET", "\(Self.account)/campaigns"):
            var query = request.query
            let after = query.removeValue(forKey: "after")
            guard query == ["fields": "id,name,effective_status", "effective_status": #"["ACTIVE"]"#, "limit": "200", "access_token": Self.token] else {
                return .reject("query \(query)")
            }
            switch after {
            case nil:
                return .json(
                    200,
                    #"""
                    {"data": [{"id": "120210000000001", "name": "Summer sale", "effective_status": "ACTIVE"},
                              {"id": "120210000000002", "name": "Brand awareness", "effective_status": "ACTIVE"}],
                     "paging": {"cursors": {"before": "QVFIUjBF", "after": "QVFIUkN1cnNvcjE"},
                                "next": "https://graph.facebook.com/v27.0/act_1234567890/campaigns?access_token=\#(Self.token)&limit=200&after=QVFIUkN1cnNvcjE"}}
                    """#)
            case "QVFIUkN1cnNvcjE":
                return .json(
                    200,
                    #"""
                    {"data": [{"id": "120210000000003", "name": "Summer retargeting", "effective_status": "ACTIVE"},
                              {"id": "120210000000004", "name": "Old promo", "effective_status": "CAMPAIGN_PAUSED"}],
                     "paging": {"cursors": {"before": "QVFIUkN1cnNvcjE", "after": "QVFIUkN1cnNvcjI"}}}
                    """#)
            default:
                return .reject("unknown cursor \(after ?? "")")
            }
        case ("GET", Self.account):
            guard request.query == ["fields": "name,account_status", "access_token": Self.token] else { return .reject("query \(request.query)") }
            return .json(200, #"{"name": "Example Shop", "account_status": 1, "id": "act_1234567890"}"#)
        case ("POST", let campaign) where campaign.hasPrefix("1202100"):
            guard request.header("Content-Type") == "application/x-www-form-urlencoded" else { return .reject("content type") }
            let form = request.form
            guard Set(form.keys) == ["status", "access_token"], let status = form["status"], ["PAUSED", "ACTIVE"].contains(status) else {
                return .reject("form \(form)")
            }
            statuses.withLock { $0.append((campaign, status)) }
            return .json(200, #"{"success": true}"#)
        default:
            return .reject("unexpected \(request.method) \(object)")
        }
    }

    /// Meta answers errors with HTTP 400 and the Graph envelope; rate limits are codes, not 429.
    func failure() -> LoopbackHTTPServer.Reply? {
        switch play {
        case .success: return nil
        case .unauthorized:
            return .json(
                400,
                #"{"error": {"message": "Malformed access token \#(Self.token)", "type": "OAuthException", "code": 190, "fbtrace_id": "AtRx1Ua2bC3dE4f"}}"#,
                headers: [("WWW-Authenticate", #"OAuth "Facebook Platform" "invalid_token" "Malformed access token""#)])
        case .notFound:
            return .json(
                400,
                #"{"error": {"message": "Unsupported get request. Object with ID 'act_1234567890' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", "type": "GraphMethodException", "code": 100, "error_subcode": 33, "fbtrace_id": "AbCdEf"}}"#
            )
        case .rateLimited:
            return .json(
                400,
                #"{"error": {"message": "(#80004) There have been too many calls to this ad-account. Wait a bit and try again.", "type": "OAuthException", "code": 80004, "error_subcode": 2446079, "fbtrace_id": "AzYx"}}"#,
                headers: [
                    (
                        "X-Business-Use-Case-Usage",
                        #"{"1234567890": [{"type": "ads_management", "call_count": 100, "total_cputime": 25, "total_time": 25, "estimated_time_to_regain_access": 5}]}"#
                    )
                ])
        case .serverError:
            return .json(500, #"{"error": {"message": "An unknown error has occurred.", "type": "OAuthException", "code": 1, "fbtrace_id": "Aq1"}}"#)
        case .hang: return .hang
        }
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "refused the access token"),
        .notFound: Expected(retryable: false, after: nil, mentions: "does not exist or the token cannot see it"),
        .rateLimited: Expected(retryable: true, after: 300...300, mentions: "throttling"),
        .serverError: Expected(retryable: true, after: nil, mentions: "temporarily unavailable"),
        .hang: hangExpected,
    ]
}

@Suite struct MetaAdsChannelTests {
    func channel(_ transport: HTTPTransport) -> MetaAdsChannel {
        MetaAdsChannel(name: "meta-ads", transport: transport, adAccount: "1234567890", accessToken: MetaFake.token, apiVersion: "27.0", timeout: shortTimeout)
    }

    @Test func listsActiveCampaignsAcrossPages() async throws {
        let fake = MetaFake(.success)
        try await withFake(fake.handler) { server, transport in
            let all = try await channel(transport).activeCampaigns(matching: .all)
            #expect(all.map(\.id) == ["120210000000001", "120210000000002", "120210000000003"])
            #expect(server.requests.count == 2)
            #expect(server.rejections == [])
        }
    }

    @Test(arguments: [
        (CampaignSelector.nameMatches("^Summer"), ["120210000000001", "120210000000003"]),
        (.ids(["120210000000002", "120210000000004", "999"]), ["120210000000002"]),
    ])
    func selectorsFilterActiveCampaigns(_ selector: CampaignSelector, _ ids: [String]) async throws {
        try await withFake(MetaFake(.success).handler) { _, transport in
            let answer1 = try await channel(transport).activeCampaigns(matching: selector).map(\.id)
            #expect(answer1 == ids)
        }
    }

    @Test func pauseAndResumeSetTheStatus() async throws {
        let fake = MetaFake(.success)
        try await withFake(fake.handler) { server, transport in
            let campaign = Campaign(id: "120210000000001", name: "Summer sale")
            try await channel(transport).pause(campaign, idempotencyKey: "k1")
            try await channel(transport).resume(campaign, idempotencyKey: "k2")
            #expect(server.rejections == [])
            #expect(fake.statuses.current.map { "\($0.0)=\($0.1)" } == ["120210000000001=PAUSED", "120210000000001=ACTIVE"])
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(MetaFake(play).handler) { server, transport in
            expect(await failure { try await channel(transport).activeCampaigns(matching: .all) }, MetaFake.expected[play], secrets: [MetaFake.token])
            expect(
                await failure { try await channel(transport).pause(Campaign(id: "120210000000001", name: "x"), idempotencyKey: "k") }, MetaFake.expected[play],
                secrets: [MetaFake.token])
            #expect(server.rejections == [])
        }
    }

    @Test func checkReadsTheAdAccount() async throws {
        try await withFake(MetaFake(.success).handler) { server, transport in
            let answer2 = try await channel(transport).check()
            #expect(answer2 == .ok("ad account \"Example Shop\" (active)"))
            #expect(server.rejections == [])
        }
        try await withFake(MetaFake(.unauthorized).handler) { _, transport in
            expect(await failure { try await channel(transport).check() }, MetaFake.expected[.unauthorized], secrets: [MetaFake.token])
        }
    }
}
