import Foundation
import PlaybookCore
import PlaybookEngine

/// The `telegram` channel: a message from a bot, to a contact's chat (`notify`, the address is
/// the contact's `telegram_chat_id`) or to the channel's `chat_id` (`post`).
///
/// Request, as documented at https://core.telegram.org/bots/api#sendmessage and
/// https://core.telegram.org/bots/api#making-requests :
/// `POST https://api.telegram.org/bot<token>/sendMessage` with JSON `{"chat_id", "text"}`.
/// Answers are `{"ok": true, "result": Message}` or `{"ok": false, "error_code", "description",
/// "parameters": {"retry_after", "migrate_to_chat_id"}}` (https://core.telegram.org/bots/api#responseparameters).
///
/// Errors: 401 Unauthorized / 404 Not Found (bad token), 400 "chat not found" (unknown chat),
/// 400 "message is too long", 403 (blocked by the user, not a member of the channel) are
/// permanent; 429 with `parameters.retry_after`, and 5xx, are retryable.
///
/// The token is part of every URL path: no message ever contains a URL, only the host.
public struct TelegramChannel: MessageChannel, ChannelCheck {
    public static let api = "https://api.telegram.org"

    let name: String
    let transport: HTTPTransport
    let botToken: String
    let chatID: String?
    let timeout: Double

    public init(name: String, transport: HTTPTransport, botToken: String, chatID: String?, timeout: Double = 30) {
        self.name = name
        self.transport = transport
        self.botToken = botToken
        self.chatID = chatID
        self.timeout = timeout
    }

    private var what: String { "telegram '\(name)'" }
    private var secrets: [String] { [botToken] }

    private func method(_ name: String) -> String { "\(Self.api)/bot\(botToken)/\(name)" }

    /// A chat id as Telegram takes it: an integer when it is one, else a string (`@channelname`).
    static func chatIDValue(_ id: String) -> JSONValue {
        if let number = Int64(id) { return .number(Double(number)) }
        return .string(id)
    }

    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> DeliveryReceipt in
            let chat = message.action == "notify" ? message.address : (chatID ?? "")
            guard !chat.isEmpty else {
                throw .permanent(message.action == "notify" ? "\(what): the contact has no telegram_chat_id" : "\(what): set 'chat_id' to post")
            }
            var text = ProviderAPI.postText(message)
            if message.action == "notify", let subject = message.subject, !subject.isEmpty { text = subject + "\n\n" + text }
            let body = JSONValue.object([("chat_id", Self.chatIDValue(chat)), ("text", .string(text))])
            let response = try await transport.send(
                .POST, method("sendMessage"), headers: [ProviderAPI.jsonContentType], body: ProviderAPI.json(body), timeout: timeout)
            let answer = response.object ?? [:]
            guard response.isSuccess, (answer["ok"] as? Bool) == true else { throw failure(response, chat: chat) }
            return DeliveryReceipt(providerID: answer.object("result")?.string("message_id"))
        }
    }

    /// `getMe` (the bot behind the token) and, when `chat_id` is set, `getChat` (the bot can see it).
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        try await ProviderAPI.guarded(what, secrets) { () async throws(ChannelFailure) -> ChannelCheckResult in
            let me = try await transport.send(.GET, method("getMe"), timeout: timeout)
            guard me.isSuccess, let bot = me.object?.object("result") else { throw failure(me, chat: nil) }
            var label = "bot @\(bot.string("username") ?? "?")"
            if let chatID, !chatID.isEmpty {
                let chat = try await transport.send(
                    .POST, method("getChat"), headers: [ProviderAPI.jsonContentType],
                    body: ProviderAPI.json(.object([("chat_id", Self.chatIDValue(chatID))])), timeout: timeout)
                guard chat.isSuccess, let found = chat.object?.object("result") else { throw failure(chat, chat: chatID) }
                label += ", chat \(found.string("title") ?? found.string("username") ?? chatID)"
            }
            return .ok(label)
        }
    }

    func failure(_ response: HTTPTransport.Response, chat: String?) -> ChannelFailure {
        let answer = response.object ?? [:]
        let description = answer.string("description").map { ProviderAPI.snippet($0, hiding: secrets, of: transport) } ?? ""
        let parameters = answer.object("parameters") ?? [:]
        let code = answer.int("error_code") ?? response.status
        let tag = " (" + (description.isEmpty ? "" : "\(description), ") + "HTTP \(response.status))"
        let lower = description.lowercased()
        if code == 429 || response.status == 429 {
            return .retryable(
                "\(what): Telegram is rate limiting the bot\(tag)",
                after: parameters.double("retry_after") ?? HTTPTransport.retryAfter(response.header("Retry-After")))
        }
        if (500..<600).contains(response.status) {
            return .retryable("\(what): Telegram server error\(tag)", after: parameters.double("retry_after"))
        }
        if let moved = parameters.string("migrate_to_chat_id") {
            return .permanent("\(what): the group became a supergroup; use chat id \(moved)\(tag)")
        }
        let target = chat.map { "chat \($0)" } ?? "the chat"
        switch code {
        case 401:
            return .permanent("\(what): Telegram refused the bot token; get a new one from @BotFather\(tag)")
        case 404:
            return .permanent("\(what): Telegram does not know this bot token; check bot_token\(tag)")
        case 400 where lower.contains("chat not found"):
            return .permanent("\(what): unknown chat: Telegram has no \(target) the bot can see\(tag)")
        case 400 where lower.contains("too long"):
            return .permanent("\(what): the text is over Telegram's limit of 4,096 characters\(tag)")
        case 403 where lower.contains("blocked"):
            return .permanent("\(what): the user blocked the bot\(tag)")
        case 403:
            return .permanent("\(what): the bot may not write to \(target); add it to the chat (as an admin for a channel)\(tag)")
        default:
            return .permanent("\(what): Telegram rejected the message\(tag)")
        }
    }
}
