import Foundation
import PlaybookCore

/// A journal that several runners share (PostgreSQL): the deliveries of a `notify` step are
/// journaled with what to send, then claimed in batches under a lease by every live runner, so
/// adding a runner adds throughput. A runner that dies holding claims loses them when the lease
/// ends; another claims them again and sends them with the same idempotency key — the in-flight
/// guarantee of state and execution (docs/running.md), per runner.
public protocol SharedDeliveries: Sendable {
    /// This process, as claims and leases name it.
    var runner: String { get }

    /// Journals deliveries and their messages before any attempt, and opens the step's fan-out
    /// to every runner. Keys already journaled are left as they are (resume).
    func planShared(_ deliveries: [SharedDelivery], playbook: String, at now: Date) async throws
    /// Claims up to `limit` deliveries of the step that nobody holds — pending, deferred and due
    /// at `now`, or held by a runner whose lease ended — for `lease` seconds of the database's clock.
    func claim(incident: String, step: String, limit: Int, lease: Double, now: Date) async throws -> [SharedDelivery]
    /// Extends this runner's claims on the step by `lease` seconds.
    func renewClaims(incident: String, step: String, lease: Double) async throws
    /// How many deliveries of the step are not final yet (pending, deferred or in someone's hands).
    func unfinishedDeliveries(incident: String, step: String) async throws -> Int
    /// Marks the step's fan-out done: runners stop looking at it.
    func closeFanOut(incident: String, step: String) async throws
    /// The open fan-outs of these playbooks: where a runner can help.
    func openFanOuts(playbooks: [String]) async throws -> [(incident: String, step: String, playbook: String)]

    /// Takes or keeps the lease `name` for `seconds` (database clock): true while this runner holds it.
    func holdLease(_ name: String, seconds: Double) async throws -> Bool
    /// Gives the lease up at once (a clean stop), so another runner need not wait for it to end.
    func releaseLease(_ name: String) async throws
}

/// One delivery with everything a runner needs to send it without the contacts file or the
/// incident's facts: the rendered message and the contact's columns.
public struct SharedDelivery: Sendable, Equatable {
    public var record: DeliveryRecord
    public var subject: String?
    public var text: String
    public var html: String?
    public var contact: Contact

    public init(record: DeliveryRecord, subject: String?, text: String, html: String?, contact: Contact) {
        self.record = record
        self.subject = subject
        self.text = text
        self.html = html
        self.contact = contact
    }

    /// The message as the journal stores it (JSON).
    public var encodedMessage: String {
        var members: [(String, JSONValue)] = [("text", .string(text)), ("contact", contact.json)]
        if let subject { members.append(("subject", .string(subject))) }
        if let html { members.append(("html", .string(html))) }
        return JSONValue.object(members).serialized()
    }

    /// Rebuilds a delivery from its record and stored message; nil when the message is unreadable.
    public init?(record: DeliveryRecord, encodedMessage: String) {
        guard case .object(let members)? = JSONValue.parse(encodedMessage) else { return nil }
        let message = Dictionary(members, uniquingKeysWith: { a, _ in a })
        guard case .string(let text)? = message["text"], case .object(let columns)? = message["contact"] else { return nil }
        func string(_ value: JSONValue?) -> String? { if case .string(let s)? = value { return s } else { return nil } }
        var contact = Contact(id: record.contact)
        var fields: [String: String] = [:]
        for (name, value) in columns {
            switch name {
            case "id": contact.id = string(value) ?? record.contact
            case "name": contact.name = string(value) ?? ""
            case "email": contact.email = string(value) ?? ""
            case "phone": contact.phone = string(value) ?? ""
            case "timezone": contact.timezone = string(value) ?? ""
            case "locale": contact.locale = string(value) ?? ""
            case "consent_email": contact.consentEmail = value == .bool(true)
            case "consent_sms": contact.consentSMS = value == .bool(true)
            case "tags":
                if case .array(let tags) = value { contact.tags = tags.compactMap { string($0) } }
            default: fields[name] = string(value) ?? ""
            }
        }
        contact.fields = fields
        self.init(record: record, subject: string(message["subject"]), text: text, html: string(message["html"]), contact: contact)
    }
}
