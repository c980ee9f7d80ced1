import Foundation
import PlaybookCore
import PlaybookEngine

/// The `google_ads` channel: pauses and resumes campaigns of a Google Ads customer through the
/// Google Ads API's REST interface.
///
/// Requests, as documented at https://developers.google.com/google-ads/api/rest/overview ,
/// https://developers.google.com/google-ads/api/rest/common/search and
/// https://developers.google.com/google-ads/api/rest/common/mutate :
/// every call carries `Authorization: Bearer <access_token>`, `developer-token`, and
/// `login-customer-id` when the account is reached through a manager; customer ids go in URLs
/// and headers without dashes.
/// - `POST https://googleads.googleapis.com/{version}/customers/{customer_id}/googleAds:search`
///   with `{"query": "SELECT campaign.id, campaign.name, campaign.status FROM campaign WHERE
///   campaign.status = 'ENABLED'"}` (and `pageToken` for the following pages), answered
///   `{"results": [{"campaign": {"resourceName", "id", "name", "status"}}], "nextPageToken"}`.
/// - `POST .../customers/{customer_id}/campaigns:mutate` with `{"operations": [{"update":
///   {"resourceName": "customers/{customer_id}/campaigns/{id}", "status": "PAUSED"},
///   "updateMask": "status"}]}` (`ENABLED` to resume).
///
/// Errors are Google's envelope `{"error": {"code", "message", "status", "details":
/// [{"@type": "...GoogleAdsFailure", "errors": [{"errorCode": {...}, "message", "details":
/// {"quotaErrorDetails": {"retryDelay": "30s"}}}], "requestId"}]}}`
/// (https://developers.google.com/google-ads/api/docs/best-practices/error-types and
/// https://developers.google.com/google-ads/api/docs/best-practices/quotas): 429
/// RESOURCE_EXHAUSTED (with `retryDelay`), 500/503 and TRANSIENT_ERROR are retryable; 401
/// (access token expired or invalid), 403 (developer token not approved, no access to the
/// customer) and 400 are permanent.
public struct GoogleAdsChannel: AdsChannel, ChannelCheck {
    public static let api = "https://googleads.googleapis.com"
    /// The Google Ads API version spoken (v26 was released on 14 October 2026; each major
    /// version lives about a year).
    public static let defaultAPIVersion = "v26"
    static let activeCampaignsQuery = "SELECT campaign.id, campaign.name, campaign.status FROM campaign WHERE campaign.status = 'ENABLED'"

    let name: String
    let transport: HTTPTransport
    let customerID: String
    let developerToken: String
    let accessToken: String
    let loginCustomerID: String?
    let apiVersion: String
    let timeout: Double

    public init(
        name: String, transport: HTTPTransport, customerID: String, developerToken: String, accessToken: String,
        loginCustomerID: String?, apiVersion: String = GoogleAdsChannel.defaultAPIVersion, timeout: Double = 30
    ) {
        self.name = name
        self.transport = transport
        self.customerID = Self.digits(customerID)
        self.developerToken = developerToken
        self.accessToken = accessToken
        self.loginCustomerID = loginCustomerID.map(Self.digits).flatMap { $0.isEmpty ? nil : $0 }
        self.apiVersion = apiVersion
        self.timeout = timeout
    }

    /// `123-456-7890` → `1234567890`.
    static func digits(_ id: String) -> String { id.filter(\.isNumber) }

    private var what: String { "google_ads '\(name)'" }
    private var secrets: [String] { [accessToken, developerToken] }
    private var customer: String { "\(Self.api)/\(apiVersion)/customers/\(customerID)" }

    private var headers: [(String, String)] {
        var headers = [ProviderAPI.bearer(accessToken), ("developer-token", developerToken)]
        if let loginCustomerID { headers.append(("login-customer-id", loginCustomerID)) }
        return headers
    }

    public func activeCampaigns(matching selector: CampaignSelector) async throws(ChannelFailure) -> [Campaign] {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> [Campaign] in
            var active: [Campaign] = []
            var pageToken: String?
            var pages = 0
            repeat {
                pages += 1
                var request: [(String, JSONValue)] = [("query", .string(Self.activeCampaignsQuery))]
                if let pageToken { request.append(("pageToken", .string(pageToken))) }
                let response = try await transport.send(
                    .POST, "\(customer)/googleAds:search", headers: headers + [ProviderAPI.jsonContentType],
                    body: ProviderAPI.json(.object(request)), timeout: timeout)
                guard response.isSuccess, let body = response.object else { throw failure(response) }
                for row in body.objects("results") {
                    guard let campaign = row.object("campaign"), campaign.string("status") == "ENABLED", let id = campaign.string("id") else { continue }
                    active.append(Campaign(id: id, name: campaign.string("name") ?? id))
                }
                pageToken = body.string("nextPageToken").flatMap { $0.isEmpty ? nil : $0 }
            } while pageToken != nil && pages < 1000
            return try selector.select(active, channel: what)
        }
    }

    public func pause(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
        try await setStatus(campaign, "PAUSED")
    }

    public func resume(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
        try await setStatus(campaign, "ENABLED")
    }

    /// Setting a status is idempotent: pausing a paused campaign again changes nothing.
    private func setStatus(_ campaign: Campaign, _ status: String) async throws(ChannelFailure) {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) in
            let operation = JSONValue.object([
                ("update", .object([("resourceName", .string("customers/\(customerID)/campaigns/\(campaign.id)")), ("status", .string(status))])),
                ("updateMask", .string("status")),
            ])
            let response = try await transport.send(
                .POST, "\(customer)/campaigns:mutate", headers: headers + [ProviderAPI.jsonContentType],
                body: ProviderAPI.json(.object([("operations", .array([operation]))])), timeout: timeout)
            guard response.isSuccess else { throw failure(response, campaign: campaign) }
        }
    }

    /// `GET /{version}/customers:listAccessibleCustomers`: the customers the token reaches
    /// directly; the channel's customer (or its manager) must be one of them.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> ChannelCheckResult in
            let response = try await transport.send(
                .GET, "\(Self.api)/\(apiVersion)/customers:listAccessibleCustomers",
                headers: [ProviderAPI.bearer(accessToken), ("developer-token", developerToken)], timeout: timeout)
            guard response.isSuccess, let body = response.object else { throw failure(response) }
            let reachable = Set((body["resourceNames"] as? [String] ?? []).map { $0.replacingOccurrences(of: "customers/", with: "") })
            if reachable.contains(customerID) { return .ok("customer \(customerID) is accessible") }
            if let loginCustomerID, reachable.contains(loginCustomerID) { return .ok("customer \(customerID) through manager \(loginCustomerID)") }
            let hint = loginCustomerID.map { " nor manager \($0)" } ?? "; if a manager account grants access, set login_customer_id"
            throw .permanent("\(what): the token cannot reach customer \(customerID)\(hint)")
        }
    }

    /// Google's error envelope read into a clear, classified failure.
    func failure(_ response: HTTPTransport.Response, campaign: Campaign? = nil) -> ChannelFailure {
        let error = response.object?.object("error") ?? [:]
        let status = error.string("status") ?? ""
        let adsErrors = error.objects("details").flatMap { $0.objects("errors") }
        let first = adsErrors.first
        let errorCode = first?.object("errorCode").flatMap { code in code.first.map { "\($0.key).\($0.value)" } }
        let said = ProviderAPI.snippet(first?.string("message") ?? error.string("message") ?? "", hiding: secrets, of: transport)
        let requestID = error.objects("details").compactMap { $0.string("requestId") }.first
        let tag =
            " ("
            + [
                said.isEmpty ? nil : said, errorCode, status.isEmpty ? "HTTP \(response.status)" : "\(status), HTTP \(response.status)",
                requestID.map { "request \($0)" },
            ]
            .compactMap { $0 }.joined(separator: "; ") + ")"
        let subject = campaign.map { "campaign \($0.id)" } ?? "customer \(customerID)"
        let code = errorCode ?? ""
        if response.status == 429 || status == "RESOURCE_EXHAUSTED" || code.hasPrefix("quotaError.") {
            return .retryable(
                "\(what): Google Ads is rate limiting this developer token or customer\(tag)",
                after: Self.retryDelay(error) ?? HTTPTransport.retryAfter(response.header("Retry-After")))
        }
        if (500..<600).contains(response.status) || code == "internalError.TRANSIENT_ERROR"
            || ["UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED"].contains(status)
        {
            return .retryable(
                "\(what): Google Ads server error\(tag)", after: Self.retryDelay(error) ?? HTTPTransport.retryAfter(response.header("Retry-After")))
        }
        if response.status == 401 || status == "UNAUTHENTICATED" {
            return .permanent("\(what): Google refused the access token (expired or revoked; access tokens last an hour)\(tag)")
        }
        if code.contains("DEVELOPER_TOKEN") {
            return .permanent("\(what): the developer token is not approved for this account\(tag)")
        }
        if code == "authorizationError.USER_PERMISSION_DENIED" {
            return .permanent("\(what): the signed-in user cannot manage \(subject); set login_customer_id to the manager account\(tag)")
        }
        if code == "authorizationError.CUSTOMER_NOT_ENABLED" {
            return .permanent("\(what): customer \(customerID) is not enabled\(tag)")
        }
        switch response.status {
        case 403: return .permanent("\(what): Google Ads refused access to \(subject)\(tag)")
        case 404: return .permanent("\(what): Google Ads has no such customer or API version\(tag)")
        default: return .permanent("\(what): Google Ads rejected the request for \(subject)\(tag)")
        }
    }

    /// A `retryDelay` ("30s", "1.5s") from the failure's quota details or a `google.rpc.RetryInfo`.
    static func retryDelay(_ error: [String: Any]) -> Double? {
        var delays: [String] = []
        for detail in error.objects("details") {
            if let delay = detail.string("retryDelay") { delays.append(delay) }
            for adsError in detail.objects("errors") {
                if let delay = adsError.object("details")?.object("quotaErrorDetails")?.string("retryDelay") { delays.append(delay) }
            }
        }
        return delays.compactMap { text -> Double? in
            guard text.hasSuffix("s") else { return nil }
            return Double(text.dropLast())
        }.max()
    }
}
