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
    private let header: [String]
    private let index: [String: Int]
    private var timezones: [String: Bool] = [:]
    public let path: String
    public private(set) var skipped: [SkippedRow] = []
    public private(set) var skippedCount = 0
    /// Extra columns, beyond the contract's.
    public var extraColumns: [String] { header.filter { !Self.columns.contains($0) } }

    public init(path: String) throws(OpenError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path) }
        do {
            reader = try CSVRecordReader(path: path)
        } catch {
            throw .malformed(path, "cannot be read")
        }
        guard let header = reader.next() else { throw .malformed(path, "is empty; it needs a header row") }
        self.header = header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard self.header.contains("id") else { throw .malformed(path, "has no 'id' column in its header") }
        index = Dictionary(self.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func close() { reader.close() }

    /// The next usable contact, or nil at the end of the file.
    public mutating func next() -> Contact? {
        while let record = reader.next() {
            func column(_ name: String) -> String {
                guard let i = index[name], i < record.count else { return "" }
                return record[i].trimmingCharacters(in: .whitespaces)
            }
            let contact = Contact(
                id: column("id"), name: column("name"), email: column("email"), phone: column("phone"),
                tags: column("tags").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                consentEmail: Self.consent(column("consent_email")), consentSMS: Self.consent(column("consent_sms")),
                timezone: column("timezone"), locale: column("locale"),
                fields: extraColumns.reduce(into: [:]) { fields, name in fields[name] = column(name) }
            )
            if let problem = problem(with: contact) {
                skippedCount += 1
                if skipped.count < 100 { skipped.append(SkippedRow(line: reader.line, reason: problem)) }
                continue
            }
            return contact
        }
        return nil
    }

    static func consent(_ text: String) -> Bool {
        ["true", "yes", "1", "y"].contains(text.lowercased())
    }

    private mutating func problem(with contact: Contact) -> String? {
        if contact.id.isEmpty { return "no id" }
        if !contact.email.isEmpty, !Self.isEmail(contact.email) { return "invalid email '\(contact.email)'" }
        if !contact.phone.isEmpty, !Self.isE164(contact.phone) { return "invalid phone '\(contact.phone)' (expected E.164, e.g. +393331234567)" }
        if !contact.timezone.isEmpty {
            if timezones[contact.timezone] == nil { timezones[contact.timezone] = TimeZone(identifier: contact.timezone) != nil }
            if timezones[contact.timezone] == false { return "unknown timezone '\(contact.timezone)'" }
        }
        return nil
    }

    public static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return !text.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" })
    }

    public static func isE164(_ text: String) -> Bool {
        text.hasPrefix("+") && (8...16).contains(text.count) && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber } && !text.hasPrefix("+0")
    }
}
