import Foundation
import PlaybookCore
import PlaybookEngine

/// The `meta_ads` channel: pauses and resumes campaigns of a Meta (Facebook/Instagram) ad account
/// through the Marketing API.
///
/// Requests, as documented at https://developers.facebook.com/docs/marketing-api/reference/ad-account/campaigns/
/// and https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/#Updating :
/// - `GET https://graph.facebook.com/{version}/{ad_account}/campaigns?fields=id,name,effective_status&effective_status=["ACTIVE"]&limit=200&access_token=…`,
///   answered as `{"data": [...], "paging": {"cursors": {"after"}, "next"}}`; the next page is
///   asked for with `after=<cursor>` while `paging.next` is present
///   (https://developers.facebook.com/docs/graph-api/results). Only `effective_status: ACTIVE`
///   campaigns count as active.
/// - `POST https://graph.facebook.com/{version}/{campaign_id}` with form fields `status=PAUSED`
///   (or `ACTIVE` to resume) and `access_token`, answered `{"success": true}`.
///
/// Errors are the Graph envelope `{"error": {"message", "type", "code", "error_subcode",
/// "fbtrace_id", "is_transient"}}` (https://developers.facebook.com/docs/graph-api/guides/error-handling):
/// codes 4, 17, 32, 613 and 80000–80014 (rate limiting; the wait comes from
/// `X-Business-Use-Case-Usage`'s `estimated_time_to_regain_access`, in minutes, or
/// `X-Ad-Account-Usage`'s `reset_time_duration`, in seconds —
/// https://developers.facebook.com/docs/graph-api/overview/rate-limiting), 1, 2 and transient
/// errors are retryable; 190 (invalid or expired token), 10 and 200–299 (permissions), 100
/// (bad parameter, unknown campaign) are permanent.
public struct MetaAdsChannel: AdsChannel, ChannelCheck {
    public static let graph = "https://graph.facebook.com"
    /// A Marketing API version supported at the time of writing (v27.0 was released on
    /// 4 November 2026); set `api_version` to move on.
    public static let defaultAPIVersion = "v27.0"

    let name: String
    let transport: HTTPTransport
    let adAccount: String
    let accessToken: String
    let apiVersion: String
    let timeout: Double

    public init(name: String, transport: HTTPTransport, adAccount: String, accessToken: String, apiVersion: String?, timeout: Double = 30) {
        self.name = name
        self.transport = transport
        let account = adAccount.trimmingCharacters(in: .whitespaces)
        self.adAccount = account.allSatisfy(\.isNumber) ? "act_" + account : account
        self.accessToken = accessToken
        let version = (apiVersion ?? Self.defaultAPIVersion).trimmingCharacters(in: .whitespaces)
        self.apiVersion = version.hasPrefix("v") ? version : "v" + version
        self.timeout = timeout
    }

    private var what: String { "meta_ads '\(name)'" }
    private var secrets: [String] { [accessToken] }
    private func url(_ path: String, _ query: [(String, String)]) -> String {
        "\(Self.graph)/\(apiVersion)/\(path)?" + ProviderAPI.formText(query)
    }

    public func activeCampaigns(matching selector: CampaignSelector) async throws(ChannelFailure) -> [Campaign] {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> [Campaign] in
            var active: [Campaign] = []
            let fields = [("fields", "id,name,effective_status"), ("effective_status", "[\"ACTIVE\"]"), ("limit", "200")]
            var next: String? = url("\(adAccount)/campaigns", fields + [("access_token", accessToken)])
            var pages = 0
            while let page = next, pages < 1000 {
                pages += 1
                let response = try await transport.send(.GET, page, headers: [("Accept", "application/json")], timeout: timeout)
                guard response.isSuccess, let body = response.object else { throw failure(response) }
                for campaign in body.objects("data") where campaign.string("effective_status") == "ACTIVE" {
                    guard let id = campaign.string("id") else { continue }
                    active.append(Campaign(id: id, name: campaign.string("name") ?? id))
                }
                let paging = body.object("paging")
                if let link = paging?.string("next") {
                    if let after = paging?.object("cursors")?.string("after") {
                        next = url("\(adAccount)/campaigns", fields + [("after", after), ("access_token", accessToken)])
                    } else {
                        next = link
                    }
                } else {
                    next = nil
                }
            }
            return try selector.select(active, channel: what)
        }
    }

    public func pause(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
        try await setStatus(campaign, "PAUSED")
    }

    public func resume(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
        try await setStatus(campaign, "ACTIVE")
    }

    /// Setting a status is idempotent: pausing a paused campaign again changes nothing.
    private func setStatus(_ campaign: Campaign, _ status: String) async throws(ChannelFailure) {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) in
            let response = try await transport.send(
                .POST, "\(Self.graph)/\(apiVersion)/\(ProviderAPI.percentEncoded(campaign.id))",
                headers: [ProviderAPI.formContentType, ("Accept", "application/json")],
                body: ProviderAPI.form([("status", status), ("access_token", accessToken)]), timeout: timeout)
            guard response.isSuccess else { throw failure(response, campaign: campaign) }
            if let success = response.object?["success"] as? Bool, !success {
                throw .retryable("\(what): Meta did not confirm setting campaign \(campaign.id) to \(status)")
            }
        }
    }

    /// `GET /{version}/{ad_account}?fields=name,account_status`: the account and whether it runs.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> ChannelCheckResult in
            let response = try await transport.send(
                .GET, url(adAccount, [("fields", "name,account_status"), ("access_token", accessToken)]), headers: [("Accept", "application/json")],
                timeout: timeout)
            guard response.isSuccess, let account = response.object else { throw failure(response) }
            let status = account.int("account_status")
            let label = "ad account \(account.string("name").map { "\"\($0)\"" } ?? adAccount) (\(Self.accountStatus(status)))"
            if status == 2 || status == 101 { throw .permanent("\(what): \(label): its campaigns cannot be changed") }
            return .ok(label)
        }
    }

    static func accountStatus(_ code: Int?) -> String {
        switch code {
        case 1: return "active"
        case 2: return "disabled"
        case 3: return "unsettled"
        case 7: return "pending risk review"
        case 8: return "pending settlement"
        case 9: return "in grace period"
        case 100: return "pending closure"
        case 101: return "closed"
        case let other?: return "status \(other)"
        case nil: return "status unknown"
        }
    }

    /// The Graph error envelope read into a clear, classified failure.
    func failure(_ response: HTTPTransport.Response, campaign: Campaign? = nil) -> ChannelFailure {
        guard let error = response.object?.object("error") else {
            return HTTPTransport.classify(response, what: what) ?? .permanent("\(what): Meta answered HTTP \(response.status) without a result")
        }
        let code = error.int("code")
        let subcode = error.int("error_subcode")
        let said = error.string("error_user_msg") ?? error.string("message") ?? ""
        let tag =
            " ("
            + [
                ProviderAPI.snippet(said, hiding: secrets, of: transport), code.map { "code \($0)" }, subcode.map { "subcode \($0)" },
                error.string("fbtrace_id").map { "fbtrace_id \($0)" },
            ]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ") + ")"
        let subject = campaign.map { "campaign \($0.id)" } ?? "ad account \(adAccount)"
        switch code ?? 0 {
        case 4, 17, 32, 613, 80000...80014:
            return .retryable("\(what): Meta is throttling calls for \(subject)\(tag)", after: Self.throttleWait(response))
        case 1, 2:
            return .retryable("\(what): the Marketing API is temporarily unavailable\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case _ where (error["is_transient"] as? Bool) == true:
            return .retryable("\(what): a transient Meta error\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case 190, 102:
            return .permanent("\(what): Meta refused the access token (expired, revoked or malformed); generate a new one\(tag)")
        case 10, 200...299:
            return .permanent("\(what): the token may not manage \(subject); it needs ads_management on the ad account\(tag)")
        case 100 where subcode == 33:
            return .permanent("\(what): \(subject) does not exist or the token cannot see it\(tag)")
        case 368:
            return .permanent("\(what): Meta has temporarily blocked this account from the action\(tag)")
        default:
            if (500..<600).contains(response.status) {
                return .retryable("\(what): Meta server error\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
            }
            return .permanent("\(what): Meta rejected the request for \(subject)\(tag)")
        }
    }

    /// The wait Meta's usage headers announce: `X-Business-Use-Case-Usage` (minutes until access
    /// returns, per business), `X-Ad-Account-Usage` (seconds until the window resets), or
    /// `Retry-After`.
    static func throttleWait(_ response: HTTPTransport.Response) -> Double? {
        if let text = response.header("X-Business-Use-Case-Usage"),
            let usage = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        {
            let minutes = usage.values.compactMap { $0 as? [[String: Any]] }.joined().compactMap { $0.double("estimated_time_to_regain_access") }.max()
            if let minutes, minutes > 0 { return minutes * 60 }
        }
        if let text = response.header("X-Ad-Account-Usage"),
            let usage = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let seconds = usage.double("reset_time_duration"), seconds > 0
        {
            return seconds
        }
        return HTTPTransport.retryAfter(response.header("Retry-After"))
    }
}
