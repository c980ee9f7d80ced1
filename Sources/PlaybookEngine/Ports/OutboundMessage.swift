import PlaybookCore

/// One message to send: a `notify` delivery to a contact, or a `post` on a network.
public struct OutboundMessage: Sendable, Equatable {
    public var playbook: String
    public var incident: String
    public var step: String
    /// `notify` or `post`.
    public var action: String
    /// Stable for this delivery across retries and resumes; sent as `Idempotency-Key` where the API honours one.
    public var idempotencyKey: String
    /// The recipient, for `notify`.
    public var contact: Contact?
    /// Where it goes for this channel: an email address, an E.164 number, a chat id; empty for posts.
    public var address: String
    public var subject: String?
    public var text: String
    public var html: String?
    public var link: String?

    public init(playbook: String, incident: String, step: String, action: String, idempotencyKey: String, contact: Contact? = nil,
                address: String = "", subject: String? = nil, text: String, html: String? = nil, link: String? = nil) {
        self.playbook = playbook
        self.incident = incident
        self.step = step
        self.action = action
        self.idempotencyKey = idempotencyKey
        self.contact = contact
        self.address = address
        self.subject = subject
        self.text = text
        self.html = html
        self.link = link
    }

    /// The JSON object of channels (docs/channels.md) that `webhook` and `file` channels send for notify and post.
    public var envelope: JSONValue {
        var members: [(String, JSONValue)] = [
            ("playbook", .string(playbook)), ("incident", .string(incident)), ("step", .string(step)),
            ("action", .string(action)), ("idempotency_key", .string(idempotencyKey)),
        ]
        if let contact { members.append(("contact", contact.json)) }
        if let subject { members.append(("subject", .string(subject))) }
        members.append(("text", .string(text)))
        if let html { members.append(("html", .string(html))) }
        if let link { members.append(("link", .string(link))) }
        return .object(members)
    }
}

/// What the provider said when it accepted a message (its id), for the journal.
public struct DeliveryReceipt: Sendable, Equatable {
    public var providerID: String?
    public init(providerID: String? = nil) { self.providerID = providerID }
}
