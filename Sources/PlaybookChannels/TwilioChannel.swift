import Foundation
import NIOHTTP1
import PlaybookEngine

/// The `twilio` channel: one SMS per `notify` delivery, through Twilio's Programmable Messaging.
///
/// Request, as documented at
/// https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource :
/// `POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth
/// `AccountSid:AuthToken`, form-encoded `To` (E.164), `From` or `MessagingServiceSid`, `Body`.
/// Twilio answers 201 with the Message resource (`sid`), or an error object
/// `{"code", "message", "more_info", "status"}` (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions).
///
/// Errors: 401 (code 20003) bad credentials; 404 (20404) unknown account; 21610 the recipient
/// replied STOP; 21211/21614 bad or non-mobile number; 21617 body over 1,600 characters — all
/// permanent, as is every other 4xx. 429 (20429) and 5xx are retryable; Twilio sends no retry
/// hint of its own, so `Retry-After` is honoured only when present. Twilio's Messages API has no
/// idempotency key: a retry after a lost answer may send twice.
public struct TwilioChannel: MessageChannel, ChannelCheck {
    public static let api = "https://api.twilio.com"

    let name: String
    let transport: HTTPTransport
    let accountSID: String
    let authToken: String
    let from: String?
    let messagingServiceSID: String?
    let timeout: Double

    public init(
        name: String, transport: HTTPTransport, accountSID: String, authToken: String, from: String?, messagingServiceSID: String?, timeout: Double = 30
    ) {
        self.name = name
        self.transport = transport
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
        self.messagingServiceSID = messagingServiceSID
        self.timeout = timeout
    }

    private var what: String { "twilio '\(name)'" }
    private var secrets: [String] { [authToken] }
    private var account: String { "\(Self.api)/2010-04-01/Accounts/\(ProviderAPI.percentEncoded(accountSID))" }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> DeliveryReceipt in
            guard !message.address.isEmpty else { throw .permanent("\(what): the contact has no phone number") }
            var form = [("To", message.address)]
            if let messagingServiceSID, !messagingServiceSID.isEmpty {
                form.append(("MessagingServiceSid", messagingServiceSID))
            } else if let from, !from.isEmpty {
                form.append(("From", from))
            } else {
                throw .permanent("\(what): set 'from' or 'messaging_service_sid'")
            }
            form.append(("Body", ProviderAPI.postText(message)))
            let response = try await transport.send(
                .POST, "\(account)/Messages.json",
                headers: [ProviderAPI.basic(accountSID, authToken), ProviderAPI.formContentType, ("Accept", "application/json")],
                body: ProviderAPI.form(form), timeout: timeout)
            guard response.isSuccess else { throw failure(response) }
            return DeliveryReceipt(providerID: response.object?.string("sid"))
        }
    }

    /// Reads the account (`GET /2010-04-01/Accounts/{AccountSid}.json`): its name and status.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> ChannelCheckResult in
            let response = try await transport.send(
                .GET, "\(account).json", headers: [ProviderAPI.basic(accountSID, authToken), ("Accept", "application/json")], timeout: timeout)
            guard response.isSuccess else { throw failure(response) }
            let account = response.object ?? [:]
            let status = account.string("status") ?? "unknown"
            let label = "account \(account.string("friendly_name").map { "\"\($0)\"" } ?? accountSID) (\(status))"
            guard status == "active" else { throw .permanent("\(what): \(label): Twilio will not send from it") }
            return .ok(label)
        }
    }

    /// Twilio's error object read into a clear, classified failure.
    func failure(_ response: HTTPTransport.Response) -> ChannelFailure {
        let error = response.object ?? [:]
        let code = error.int("code")
        let said = error.string("message").map { ": \(ProviderAPI.snippet($0, hiding: secrets, of: transport))" } ?? ""
        let tag = code.map { " (Twilio error \($0))" } ?? " (HTTP \(response.status))"
        switch (response.status, code ?? 0) {
        case (429, _), (_, 20429):
            return .retryable("\(what): Twilio is rate limiting requests\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case (500..<600, _):
            return .retryable("\(what): Twilio server error\(tag)", after: HTTPTransport.retryAfter(response.header("Retry-After")))
        case (_, 21610):
            return .permanent("\(what): the recipient has unsubscribed (replied STOP); Twilio will not deliver to this number\(tag)")
        case (_, 21211):
            return .permanent("\(what): the 'To' number is not a valid phone number\(tag)")
        case (_, 21614):
            return .permanent("\(what): the 'To' number cannot receive SMS (not a mobile number)\(tag)")
        case (_, 21408):
            return .permanent("\(what): this account may not send SMS to that country\(tag)")
        case (_, 21617):
            return .permanent("\(what): the text is over Twilio's limit of 1,600 characters\(tag)")
        case (_, 21212), (_, 21606), (_, 21659):
            return .permanent("\(what): the 'from' number cannot send from this account\(tag)")
        case (401, _), (_, 20003):
            return .permanent("\(what): Twilio refused the account SID or auth token\(tag)")
        case (403, _):
            return .permanent("\(what): Twilio refused the request\(said)\(tag)")
        case (404, _), (_, 20404):
            return .permanent("\(what): Twilio does not know this account or resource; check account_sid\(tag)")
        default:
            return .permanent("\(what): Twilio rejected the message\(said)\(tag)")
        }
    }
}
