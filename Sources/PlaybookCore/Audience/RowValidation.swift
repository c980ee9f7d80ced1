import Foundation

/// Turns a row of the contract's columns (from CSV or SQLite) into a contact, and records what is
/// wrong with it. A row without an id, or with more fields than the header (an unquoted comma
/// shifts every column after it, consent included), is skipped. A consent value outside the
/// accepted ones is no consent for that channel. An invalid email or E.164 phone, or an unknown
/// timezone, makes only that field unusable (it is left empty): the contact is still reached on
/// its other channels.
public struct RowValidation {
    private let columns: ContactColumns
    private let consentValues: ConsentValues
    private var timezones: [String: Bool] = [:]
    public private(set) var issues = ContactIssues()
    public var extraColumns: [String] { columns.extraColumns }

    public init(columns: ContactColumns, consent: ConsentValues = .standard) {
        self.columns = columns
        consentValues = consent
    }

    /// A field with surrounding spaces removed; only allocates when there are any.
    @inline(__always)
    static func trimmed(_ text: Substring) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last, isBlank(first) || isBlank(last) else { return String(text) }
        guard let first = text.first, let last = text.last, first == " " || last == " " || first == "\t" || last == "\t" else { return String(text) }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The same for a whole field: the field itself (no copy) unless it has surrounding spaces.
    @inline(__always)
    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last, isBlank(first) || isBlank(last) else { return text }
        return trimmed(text[...])
    }

    /// Whether a field's first or last byte may make its first or last character a space or tab
    /// (only those bytes can: any other byte starts or ends a different character).
    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// `a;b; c` as tags, split on the bytes.
    static func tags(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var tags: [String] = []
        var utf8 = text.utf8[...]
        while true {
            let end = utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex
            let tag = trimmed(Substring(utf8[utf8.startIndex..<end]))
            if !tag.isEmpty { tags.append(tag) }
            guard end < utf8.endIndex else { return tags }
            utf8 = utf8[utf8.index(after: end)...]
        }
    }

    /// Records a row the reader could not parse.
    public mutating func reject(line: Int, column: Int, _ message: String) {
        issues.record(ContactIssue(kind: .unreadableRow, line: line, column: column, message: message))
    }

    /// The contact of a row, or nil when the row is skipped. `locate` gives the line and column
    /// of a field (by its position in the row); it is called only for a field with a problem.
    public mutating func contact(from record: [String], locate: (_ field: Int) -> (line: Int, column: Int)) -> Contact? {
        if record.count > columns.count {
            let at = locate(columns.count)
            reject(
                line: at.line, column: at.column,
                "row has \(record.count) fields but the header has \(columns.count) (a comma in an unquoted field?); the row is skipped")
            return nil
        }
        @inline(__always) func column(_ field: ContactColumns.Field) -> String {
            guard let i = columns.position(of: field), i < record.count else { return "" }
            return Self.trimmed(record[i])
        }
        var fields = [String: String](minimumCapacity: columns.extra.count)
        for (name, i) in columns.extra { fields[name] = i < record.count ? Self.trimmed(record[i]) : "" }
        var contact = Contact(
            id: column(.id), name: column(.name), email: column(.email), phone: column(.phone), tags: Self.tags(column(.tags)),
            timezone: column(.timezone), locale: column(.locale), fields: fields
        )
        if contact.id.isEmpty {
            let at = locate(columns.position(of: .id) ?? 0)
            issues.record(ContactIssue(kind: .noID, line: at.line, column: at.column, message: "row has no id; the row is skipped"))
            return nil
        }
        contact.consentEmail = consent(column(.consentEmail), .consentEmail, contact: &contact, locate: locate)
        contact.consentSMS = consent(column(.consentSMS), .consentSMS, contact: &contact, locate: locate)
        if !contact.email.isEmpty, !Self.isEmail(contact.email) {
            warn(
                .invalidEmail, .email, "invalid email \(DataFileExcerpt.quoted(contact.email)): this contact gets no email; its other channels still apply",
                locate)
            contact.email = ""
            contact.problems.insert(.invalidEmail)
        }
        if !contact.phone.isEmpty, !Self.isE164(contact.phone) {
            warn(
                .invalidPhone, .phone,
                "invalid phone \(DataFileExcerpt.quoted(contact.phone)) (expected E.164, e.g. +393331234567): this contact gets no SMS; its other channels still apply",
                locate)
            contact.phone = ""
            contact.problems.insert(.invalidPhone)
        }
        if !contact.timezone.isEmpty, !isKnownTimezone(contact.timezone) {
            warn(
                .unknownTimezone, .timezone, "unknown timezone \(DataFileExcerpt.quoted(contact.timezone)): the playbook's timezone is used for this contact",
                locate)
            contact.timezone = ""
            contact.problems.insert(.unknownTimezone)
        }
        return contact
    }

    private mutating func consent(_ text: String, _ field: ContactColumns.Field, contact: inout Contact, locate: (Int) -> (line: Int, column: Int)) -> Bool {
        if text.isEmpty {
            let email = field == .consentEmail
            if columns.position(of: field) == nil {
                contact.problems.insert(email ? .noEmailConsentColumn : .noSMSConsentColumn)
            } else {
                contact.problems.insert(email ? .emptyEmailConsent : .emptySMSConsent)
            }
            return false
        }
        if let given = consentValues.consent(text) { return given }
        let at = locate(columns.position(of: field) ?? 0)
        let channel = field == .consentEmail ? "email" : "SMS"
        issues.record(
            ContactIssue(
                kind: .unreadableConsent, line: at.line, column: at.column,
                message:
                    "\(field.column) value \(DataFileExcerpt.quoted(text)) is not one of \(consentValues.listed) (an empty cell means no consent); this contact gets no \(channel)"
            ))
        contact.problems.insert(field == .consentEmail ? .unreadableEmailConsent : .unreadableSMSConsent)
        return false
    }

    private mutating func warn(_ kind: ContactIssue.Kind, _ field: ContactColumns.Field, _ message: String, _ locate: (Int) -> (line: Int, column: Int)) {
        let at = locate(columns.position(of: field) ?? 0)
        issues.record(ContactIssue(kind: kind, line: at.line, column: at.column, message: message))
    }

    private mutating func isKnownTimezone(_ name: String) -> Bool {
        if let cached = timezones[name] { return cached }
        let known = TimeZone(identifier: name) != nil
        timezones[name] = known
        return known
    }

    /// A plausible address: one `@`, a dotted domain, no spaces or list punctuation.
    public static func isEmail(_ text: String) -> Bool {
        var at = -1
        var lastDot = -1
        var count = 0
        for (i, byte) in text.utf8.enumerated() {
            count = i + 1
            switch byte {
            case UInt8(ascii: "@"):
                if at >= 0 { return false }
                at = i
            case UInt8(ascii: "."):
                if at >= 0 {
                    if i == at + 1 { return false }
                    lastDot = i
                }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: ","), UInt8(ascii: "<"), UInt8(ascii: ">"): return false
            default: break
            }
        }
        return at > 0 && lastDot > at + 1 && lastDot < count - 1
    }

    /// `+` then 7 to 15 digits, not starting with 0.
    public static func isE164(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (8...16).contains(bytes.count), bytes.first == UInt8(ascii: "+") else { return false }
        var first = true
        for byte in bytes.dropFirst() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            if first, byte == UInt8(ascii: "0") { return false }
            first = false
        }
        return true
    }
}
