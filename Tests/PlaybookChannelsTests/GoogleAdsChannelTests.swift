import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine
import Testing

/// The Google Ads API REST interface as documented at
/// https://developers.google.com/google-ads/api/rest/overview (headers: Bearer token,
/// `developer-token`, `login-customer-id`), https://developers.google.com/google-ads/api/rest/common/search
/// (googleAds:search, `pageToken`), https://developers.google.com/google-ads/api/rest/common/mutate
/// (campaigns:mutate, `updateMask`), https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers
/// (check), https://developers.google.com/google-ads/api/docs/best-practices/error-types and
/// https://developers.google.com/google-ads/api/docs/best-practices/quotas (429 RESOURCE_EXHAUSTED
/// with `quotaErrorDetails.retryDelay`).
final class GoogleAdsFake: Sendable {
    static let accessToken = "ya29.a0AfH6SMBgoogleAccessTokenXyZ123"
    static let developerToken = "DEVtoken-AbCdEfGh12345"
    static let customer = "1234567890"
    static let manager = "9876543210"
    static let query = "SELECT campaign.id, campaign.name, campaign.status FROM campaign WHERE campaign.status = 'ENABLED'"

    let play: Play
    let expectManager: Bool
    let sendError: (Int, String)?
    let mutations = Locked<[String]>([])

    init(_ play: Play, expectManager: Bool = true, sendError: (Int, String)? = nil) {
        self.play = play
        self.expectManager = expectManager
        self.sendError = sendError
    }

    var handler: LoopbackHTTPServer.Handler { { request in self.answer(request) } }

    func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        guard request.header("Authorization") == "Bearer \(Self.accessToken)" else { return .reject("authorization header") }
        guard request.header("developer-token") == Self.developerToken else { return .reject("developer-token header") }
        if let failure = failure() { return failure }
        if request.method == "GET", request.path == "/v26/customers:listAccessibleCustomers" {
            return .json(200, #"{"resourceNames": ["customers/\#(Self.customer)", "customers/\#(Self.manager)"]}"#)
        }
        guard request.header("login-customer-id") == (expectManager ? Self.manager : nil) else {
            return .reject("login-customer-id \(request.header("login-customer-id") ?? "absent")")
        }
        guard request.method == "POST", request.header("Content-Type") == "application/json", let body = request.json else { return .reject("not a JSON POST") }
        if let sendError { return .json(sendError.0, sendError.1) }
        switch request.path {
        case "/v26/customers/\(Self.customer)/googleAds:search":
            guard body["query"] as? String == Self.query else { return .reject("query \(body["query"] ?? "none")") }
            switch body["pageToken"] as? String {
            case nil:
                guard keys(body) == ["query"] else { return .reject("body keys \(keys(body))") }
                return .json(
                    200,
                    #"""
                    {"results": [{"campaign": {"resourceName": "customers/1234567890/campaigns/111", "status": "ENABLED", "name": "Search - Summer", "id": "111"}},
                                 {"campaign": {"resourceName": "customers/1234567890/campaigns/222", "status": "ENABLED", "name": "PMax - Brand", "id": "222"}}],
                     "nextPageToken": "CPcBEAE", "fieldMask": "campaign.id,campaign.name,campaign.status", "queryResourceConsumption": "12"}
                    """#)
            case "CPcBEAE":
                return .json(
                    200,
                    #"""
                    {"results": [{"campaign": {"resourceName": "customers/1234567890/campaigns/333", "status": "ENABLED", "name": "Search - Summer retargeting", "id": "333"}}],
                     "fieldMask": "campaign.id,campaign.name,campaign.status"}
                    """#)
            default:
                return .reject("unknown pageToken")
            }
        case "/v26/customers/\(Self.customer)/campaigns:mutate":
            guard keys(body) == ["operations"], let operations = body["operations"] as? [[String: Any]], operations.count == 1,
                keys(operations[0]) == ["update", "updateMask"], operations[0]["updateMask"] as? String == "status",
                let update = operations[0]["update"] as? [String: Any], keys(update) == ["resourceName", "status"],
                let name = update["resourceName"] as? String, name.hasPrefix("customers/\(Self.customer)/campaigns/"),
                let status = update["status"] as? String, ["PAUSED", "ENABLED"].contains(status)
            else { return .reject("mutate body \(request.text)") }
            mutations.withLock { $0.append("\(name)=\(status)") }
            return .json(200, #"{"results": [{"resourceName": "\#(name)"}]}"#)
        default:
            return .reject("unexpected \(request.path)")
        }
    }

    static func adsFailure(_ code: Int, _ status: String, _ errorCode: String, _ message: String, details: String = "") -> String {
        #"{"error": {"code": \#(code), "message": "\#(message)", "status": "\#(status)", "details": [{"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure", "errors": [{"errorCode": \#(errorCode), "message": "\#(message)"\#(details)}], "requestId": "Xy9z8W7v6U5t"}]}}"#
    }

    func failure() -> LoopbackHTTPServer.Reply? {
        switch play {
        case .success: return nil
        case .unauthorized:
            return .json(401, Self.adsFailure(401, "UNAUTHENTICATED", #"{"authenticationError": "OAUTH_TOKEN_EXPIRED"}"#, "Oauth token is expired."))
        case .notFound:
            return .json(404, #"{"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}"#)
        case .rateLimited:
            return .json(
                429,
                Self.adsFailure(
                    429, "RESOURCE_EXHAUSTED", #"{"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"}"#, "Too many requests. Retry in 42 seconds.",
                    details:
                        #", "details": {"quotaErrorDetails": {"rateScope": "DEVELOPER", "rateName": "Requests per developer per day", "retryDelay": "42s"}}"#))
        case .serverError:
            return .json(500, Self.adsFailure(500, "INTERNAL", #"{"internalError": "INTERNAL_ERROR"}"#, "An internal error has occurred."))
        case .hang: return .hang
        }
    }

    static let expected: [Play: Expected] = [
        .unauthorized: Expected(retryable: false, after: nil, mentions: "refused the access token"),
        .notFound: Expected(retryable: false, after: nil, mentions: "no such customer or API version"),
        .rateLimited: Expected(retryable: true, after: 42...42, mentions: "rate limiting"),
        .serverError: Expected(retryable: true, after: nil, mentions: "server error"),
        .hang: hangExpected,
    ]
}

@Suite struct GoogleAdsChannelTests {
    let secrets = [GoogleAdsFake.accessToken, GoogleAdsFake.developerToken]

    func channel(_ transport: HTTPTransport, manager: String? = "987-654-3210") -> GoogleAdsChannel {
        GoogleAdsChannel(
            name: "google-ads", transport: transport, customerID: "123-456-7890", developerToken: GoogleAdsFake.developerToken,
            accessToken: GoogleAdsFake.accessToken, loginCustomerID: manager, timeout: shortTimeout)
    }

    @Test func listsEnabledCampaignsAcrossPages() async throws {
        try await withFake(GoogleAdsFake(.success).handler) { server, transport in
            let answer1 = try await channel(transport).activeCampaigns(matching: .all).map(\.id)
            #expect(answer1 == ["111", "222", "333"])
            let answer2 = try await channel(transport).activeCampaigns(matching: .nameMatches("Summer")).map(\.id)
            #expect(answer2 == ["111", "333"])
            #expect(server.rejections == [])
        }
    }

    @Test func withoutManagerNoLoginCustomerHeader() async throws {
        try await withFake(GoogleAdsFake(.success, expectManager: false).handler) { server, transport in
            let answer3 = try await channel(transport, manager: nil).activeCampaigns(matching: .ids(["222"])).map(\.id)
            #expect(answer3 == ["222"])
            #expect(server.rejections == [])
        }
    }

    @Test func pauseAndResumeMutateTheStatus() async throws {
        let fake = GoogleAdsFake(.success)
        try await withFake(fake.handler) { server, transport in
            try await channel(transport).pause(Campaign(id: "111", name: "Search - Summer"), idempotencyKey: "k1")
            try await channel(transport).resume(Campaign(id: "111", name: "Search - Summer"), idempotencyKey: "k2")
            #expect(server.rejections == [])
            #expect(fake.mutations.current == ["customers/1234567890/campaigns/111=PAUSED", "customers/1234567890/campaigns/111=ENABLED"])
        }
    }

    @Test(arguments: Play.failures) func failuresAreClassified(_ play: Play) async throws {
        try await withFake(GoogleAdsFake(play).handler) { server, transport in
            expect(await failure { try await channel(transport).activeCampaigns(matching: .all) }, GoogleAdsFake.expected[play], secrets: secrets)
            expect(
                await failure { try await channel(transport).pause(Campaign(id: "111", name: "x"), idempotencyKey: "k") }, GoogleAdsFake.expected[play],
                secrets: secrets)
            #expect(server.rejections == [])
        }
    }

    @Test func missingManagerAccessNamesLoginCustomerID() async throws {
        let answer = (
            403,
            GoogleAdsFake.adsFailure(
                403, "PERMISSION_DENIED", #"{"authorizationError": "USER_PERMISSION_DENIED"}"#,
                "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header."
            )
        )
        try await withFake(GoogleAdsFake(.success, sendError: answer).handler) { _, transport in
            expect(
                await failure { try await channel(transport).activeCampaigns(matching: .all) },
                Expected(retryable: false, after: nil, mentions: "set login_customer_id"), secrets: secrets)
        }
    }

    @Test func checkListsAccessibleCustomers() async throws {
        try await withFake(GoogleAdsFake(.success).handler) { server, transport in
            let answer4 = try await channel(transport).check()
            #expect(answer4 == .ok("customer 1234567890 is accessible"))
            #expect(server.rejections == [])
        }
        try await withFake(GoogleAdsFake(.unauthorized).handler) { _, transport in
            expect(await failure { try await channel(transport).check() }, GoogleAdsFake.expected[.unauthorized], secrets: secrets)
        }
    }
}
