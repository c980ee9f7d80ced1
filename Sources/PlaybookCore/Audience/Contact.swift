/// One person of the audience (docs/language.md, Audience): a row of the contacts file.
public struct Contact: Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String
    public var phone: String
    public var tags: [String]
    public var consentEmail: Bool
    public var consentSMS: Bool
    public var timezone: String
    public var locale: String
    /// Extra columns, as `contact.fields.NAME`.
    public var fields: [String: String]
    /// Fields of the row that could not be used (and are empty here): the contact is still
    /// reached on its other channels. Also why a consent is missing, for counts per reason.
    public var problems: Problems

    /// What was wrong with a contact's row, field by field.
    public struct Problems: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let invalidEmail = Problems(rawValue: 1 << 0)
        public static let invalidPhone = Problems(rawValue: 1 << 1)
        public static let unknownTimezone = Problems(rawValue: 1 << 2)
        /// A consent value outside the accepted ones: read as no consent.
        public static let unreadableEmailConsent = Problems(rawValue: 1 << 3)
        public static let unreadableSMSConsent = Problems(rawValue: 1 << 4)
        /// An empty consent cell (never asked), told apart from a "no".
        public static let emptyEmailConsent = Problems(rawValue: 1 << 5)
        public static let emptySMSConsent = Problems(rawValue: 1 << 6)
        /// The file has no consent column for the channel.
        public static let noEmailConsentColumn = Problems(rawValue: 1 << 7)
        public static let noSMSConsentColumn = Problems(rawValue: 1 << 8)
        /// An export's national phone number without a country to complete it, or with a
        /// country whose numbering is not known (the phone is then not used).
        public static let phoneNoCountry = Problems(rawValue: 1 << 9)
        public static let phoneCountryUnknown = Problems(rawValue: 1 << 10)
    }

    public init(id: String, name: String = "", email: String = "", phone: String = "", tags: [String] = [], consentEmail: Bool = false,
                consentSMS: Bool = false, timezone: String = "", locale: String = "", fields: [String: String] = [:], problems: Problems = []) {
        self.id = id
        self.name = name
        self.email = email
        self.phone = phone
        self.tags = tags
        self.consentEmail = consentEmail
        self.consentSMS = consentSMS
        self.timezone = timezone
        self.locale = locale
        self.fields = fields
        self.problems = problems
    }

    /// The value of a `contact.*` name for segment expressions.
    public func value(of path: ArraySlice<String>) -> Value {
        guard let first = path.first else { return .unknown(reason: "contact") }
        switch first {
        case "id": return .text(id)
        case "name": return .text(name)
        case "email": return .text(email)
        case "phone": return .text(phone)
        case "tags": return .list(tags.map(Value.text))
        case "timezone": return .text(timezone)
        case "locale": return .text(locale)
        case "consent":
            switch path.dropFirst().first {
            case "email": return .bool(consentEmail)
            case "sms": return .bool(consentSMS)
            default: return .bool(false)
            }
        case "fields":
            guard let name = path.dropFirst().first else { return .text("") }
            return .text(fields[name] ?? "")
        default: return .text("")
        }
    }

    /// The columns as JSON, for outboxes and webhooks (`tags` as a list).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("name", .string(name)), ("email", .string(email)), ("phone", .string(phone)),
            ("tags", .array(tags.map(JSONValue.string))), ("consent_email", .bool(consentEmail)), ("consent_sms", .bool(consentSMS)),
            ("timezone", .string(timezone)), ("locale", .string(locale)),
        ]
        for key in fields.keys.sorted() { members.append((key, .string(fields[key]!))) }
        return .object(members)
    }
}
