import Foundation

/// Reads contacts from a CSV file (§8), one at a time. Rows that cannot be used (an invalid email
/// or phone, an unknown timezone, no id) are skipped and reported, never fatal.
public struct ContactsFile {
    public static let columns = ["id", "name", "email", "phone", "tags", "consent_email", "consent_sms", "timezone", "locale"]

    /// A row skipped, and why.
    public struct SkippedRow: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    public enum OpenError: Error, CustomStringConvertible {
        case missing(String)
        case malformed(String, String)

        public var description: String {
            switch self {
            case .missing(let path): return "contacts file '\(path)' not found"
            case .malformed(let path, let why): return "contacts file '\(path)' \(why)"
            }
        }
    }

    private var reader: CSVRecordReader
    private var rows: RowValidation
    public let path: String
    public var skipped: [SkippedRow] { rows.skipped }
    public var skippedCount: Int { rows.skippedCount }
    /// Extra columns, beyond the contract's.
    public var extraColumns: [String] { rows.extraColumns }

    public init(path: String) throws(OpenError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path) }
        do {
            reader = try CSVRecordReader(path: path)
        } catch {
            throw .malformed(path, "cannot be read")
        }
        guard let header = reader.next() else { throw .malformed(path, "is empty; it needs a header row") }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.contains("id") else { throw .malformed(path, "has no 'id' column in its header") }
        rows = RowValidation(header: names)
    }

    public func close() { reader.close() }

    /// The next usable contact, or nil at the end of the file.
    public mutating func next() -> Contact? {
        while let record = reader.next() {
            if let contact = rows.contact(from: record, line: reader.line) { return contact }
        }
        return nil
    }

    static func consent(_ text: String) -> Bool {
        if text == "true" { return true }
        if text == "false" || text.isEmpty { return false }
        switch text {
        case "true", "yes", "1", "y", "TRUE", "YES", "True", "Yes", "Y": return true
        case "", "false", "no", "0", "n": return false
        default: return ["true", "yes", "1", "y"].contains(text.lowercased())
        }
    }

}

/// Turns a row of the contract's columns (from CSV or SQLite) into a contact, skipping and
/// counting rows that cannot be used: no id, an invalid email or E.164 phone, an unknown timezone.
public struct RowValidation {
    private let extra: [(name: String, column: Int)]
    private let columns: (id: Int?, name: Int?, email: Int?, phone: Int?, tags: Int?, consentEmail: Int?, consentSMS: Int?, timezone: Int?, locale: Int?)
    private var timezones: [String: Bool] = [:]
    public private(set) var skipped: [ContactsFile.SkippedRow] = []
    public private(set) var skippedCount = 0
    public var extraColumns: [String] { extra.map(\.name) }

    public init(header: [String]) {
        let index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        extra = header.enumerated().filter { !ContactsFile.columns.contains($0.element) }.map { (name: $0.element, column: $0.offset) }
        columns = (index["id"], index["name"], index["email"], index["phone"], index["tags"], index["consent_email"], index["consent_sms"], index["timezone"], index["locale"])
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

    /// The contact of a row, or nil when the row is skipped (and counted).
    public mutating func contact(from record: [String], line: Int) -> Contact? {
        @inline(__always) func column(_ i: Int?) -> String {
            guard let i, i < record.count else { return "" }
            return Self.trimmed(record[i])
        }
        var fields: [String: String] = [:]
        for (name, i) in extra { fields[name] = column(i) }
        let tagsText = column(columns.tags)
        let contact = Contact(
            id: column(columns.id), name: column(columns.name), email: column(columns.email), phone: column(columns.phone),
            tags: Self.tags(tagsText),
            consentEmail: ContactsFile.consent(column(columns.consentEmail)), consentSMS: ContactsFile.consent(column(columns.consentSMS)),
            timezone: column(columns.timezone), locale: column(columns.locale), fields: fields
        )
        if let problem = problem(with: contact) {
            skippedCount += 1
            if skipped.count < 100 { skipped.append(ContactsFile.SkippedRow(line: line, reason: problem)) }
            return nil
        }
        return contact
    }

    private mutating func problem(with contact: Contact) -> String? {
        if contact.id.isEmpty { return "no id" }
        if !contact.email.isEmpty, !Self.isEmail(contact.email) { return "invalid email '\(contact.email)'" }
        if !contact.phone.isEmpty, !Self.isE164(contact.phone) { return "invalid phone '\(contact.phone)' (expected E.164, e.g. +393331234567)" }
        if !contact.timezone.isEmpty {
            let known: Bool
            if let cached = timezones[contact.timezone] {
                known = cached
            } else {
                known = TimeZone(identifier: contact.timezone) != nil
                timezones[contact.timezone] = known
            }
            if !known { return "unknown timezone '\(contact.timezone)'" }
        }
        return nil
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
                if at >= 0 { if i == at + 1 { return false }; lastDot = i }
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
