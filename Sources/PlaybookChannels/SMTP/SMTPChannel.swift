import Foundation
import NIOCore
import PlaybookCore
import PlaybookEngine

/// The `smtp` channel (docs/channels.md): sends each `notify` delivery as one email through a submission
/// server, over a few reused connections.
///
/// Failures are told the engine's way: a recipient the server refuses with 5yz fails that
/// delivery only and permanently; 4yz, 421 and lost connections are retryable; bad credentials
/// and TLS failures are permanent. No message ever contains the password.
public final class SMTPChannel: MessageChannel {
    let name: String
    let configuration: SMTPConfiguration
    let sender: MailAddress
    /// The configured `list_unsubscribe` targets; `{{ contact.id }}` and `{{ contact.email }}`
    /// in them are filled in per recipient.
    let listUnsubscribe: [String]
    let pool: SMTPConnectionPool
    /// The password and every other `${env.X}` value of the playbook, masked in failures.
    let redactor: SecretRedactor
    private let clock: @Sendable () -> Date

    init(
        name: String, configuration: SMTPConfiguration, from: MailAddress, listUnsubscribe: [String] = [], maxConnections: Int = 4,
        secrets: [String] = [], clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.name = name
        self.configuration = configuration
        self.sender = from
        self.listUnsubscribe = listUnsubscribe
        self.pool = SMTPConnectionPool(configuration: configuration, maxConnections: maxConnections)
        self.redactor = SecretRedactor(secrets: secrets + (configuration.credentials.map { [$0.password] } ?? []))
        self.clock = clock
    }

    /// `list_unsubscribe` as written: one target or several separated by commas, with or
    /// without angle brackets.
    static func unsubscribeTargets(_ value: String?) -> [String] {
        guard let value else { return [] }
        return value.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " <>\t")) }.filter { !$0.isEmpty }
    }

    /// Sends one email. A step's `timeout` (`CallTimeout`) bounds the whole delivery — waiting
    /// for a connection, connecting, every reply — in place of the configured connect and reply
    /// timeouts, which apply only to calls no step makes.
    public func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        let deadline = CallTimeout.seconds.map { NIODeadline.now() + .nanoseconds(Int64($0 * 1_000_000_000)) }
        return try await SMTPDeadline.$current.withValue(deadline) { await deliver(message) }.get()
    }

    private func deliver(_ message: OutboundMessage) async -> Result<DeliveryReceipt, ChannelFailure> {
        do throws(SMTPError) {
            let mail = try mailMessage(for: message)
            var lease = try await pool.checkout()
            do throws(SMTPError) {
                _ = try await lease.connection.deliver(from: sender.address, to: mail.to.address, message: mail.rendered())
                await pool.checkin(lease, reusable: true)
            } catch {
                lease.lastUsed = .now
                await pool.checkin(lease, reusable: error.connectionIsUsable)
                throw error
            }
            return .success(DeliveryReceipt(providerID: "<\(mail.messageID)>"))
        } catch {
            return .failure(redacted(error.failure(channel: name, server: configuration.server)))
        }
    }

    /// The email of a delivery: to `message.address` (named after the contact when it has a
    /// name), from the channel's sender.
    func mailMessage(for message: OutboundMessage) throws(SMTPError) -> MailMessage {
        let address = message.address.trimmingCharacters(in: .whitespaces)
        do { try MailAddress.check(address) } catch { throw SMTPError.invalidMessage(error.description) }
        let contactName = message.contact?.name.trimmingCharacters(in: .whitespaces) ?? ""
        return MailMessage(
            from: sender, to: MailAddress(displayName: contactName.isEmpty ? nil : contactName, address: address),
            subject: message.subject ?? "", text: message.text, html: message.html, date: clock(),
            messageID: MailMessage.messageID(idempotencyKey: message.idempotencyKey, domain: sender.domain),
            listUnsubscribe: listUnsubscribe.map { Self.fill($0, contact: message.contact, address: address) })
    }

    /// Replaces `{{ contact.id }}` and `{{ contact.email }}` (with or without spaces), URL-encoded.
    static func fill(_ target: String, contact: Contact?, address: String) -> String {
        guard target.contains("{{") else { return target }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        var out = target
        for (key, value) in [("id", contact?.id ?? ""), ("email", address)] {
            let encoded = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            for spelling in ["{{ contact.\(key) }}", "{{contact.\(key)}}"] { out = out.replacingOccurrences(of: spelling, with: encoded) }
        }
        return out
    }

    /// The longest failure message, in characters: a server's reply can be long.
    static let messageLimit = 400

    /// A failure's message without the password in any spelling (AUTH PLAIN and LOGIN send it
    /// base64-encoded), should a server ever echo what it was sent; cut only once redacted.
    func redacted(_ failure: ChannelFailure) -> ChannelFailure {
        ChannelFailure(failure.kind, redactor.redact(failure.message, limit: Self.messageLimit))
    }

    /// QUITs the open connections.
    public func close() async {
        await pool.close()
    }
}

extension MailAddress.Problem: CustomStringConvertible {
    var description: String {
        switch self {
        case .invalid(let text): return text
        }
    }
}
