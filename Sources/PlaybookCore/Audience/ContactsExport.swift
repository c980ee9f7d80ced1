import Foundation

/// The layouts `audience.contacts` reads: the native CSV of docs/language.md, the customer
/// exports of the tools small shops keep their lists in, or any CSV with a column mapping.
public enum ContactsFormat: String, Sendable, CaseIterable {
    case playbook, shopify, mailchimp, klaviyo, woocommerce
}

/// `audience.contacts: {path, columns: {...}, consent_values: {yes: [...], no: [...]}}`: which
/// header holds each field of the contact model, and which words mean consent.
public struct ContactsColumns: Sendable, Equatable {
    /// Contact field (`id`, `name`, `email`, `phone`, `tags`, `consent_email`, `consent_sms`,
    /// `timezone`, `locale`, `first_name`, `last_name`, `country`) → the export's header.
    public var columns: [String: String]
    /// Words meaning yes / no in the consent columns (compared without case); anything else is
    /// unreadable: no consent on that channel, counted per reason.
    public var consentYes: [String]
    public var consentNo: [String]

    public init(columns: [String: String], consentYes: [String] = [], consentNo: [String] = []) {
        self.columns = columns
        self.consentYes = consentYes
        self.consentNo = consentNo
    }

    /// The fields a `columns:` mapping may name.
    public static let fields = ["id", "name", "first_name", "last_name", "email", "phone", "country", "tags", "consent_email", "consent_sms", "timezone", "locale"]
}

/// How a contacts file is laid out: the native columns, a tool's export, or a column mapping.
public struct ContactsLayout: Sendable, Equatable {
    public var format: ContactsFormat
    public var columns: ContactsColumns?

    public init(format: ContactsFormat = .playbook, columns: ContactsColumns? = nil) {
        self.format = format
        self.columns = columns
    }

    public static let native = ContactsLayout()
    public var isNative: Bool { format == .playbook && columns == nil }
}

extension Audience {
    /// How its contacts file is laid out (`format:` / `columns:`).
    public var layout: ContactsLayout { ContactsLayout(format: format, columns: columns) }
}

/// Turns each record of an export into a record of the native columns (`ContactsFile.columns`,
/// then the export's other columns as extra fields), so that one reader and one set of row
/// checks serve every layout. Built once from the export's header; then a record costs one pass.
public struct ExportMapping: Sendable {
    /// Where a native column's value comes from.
    enum Source: Sendable {
        case none
        case column(Int)
        /// The first non-empty of these columns (Shopify's two phone columns, id fallbacks).
        case firstOf([Int])
        /// The row's line when every column is empty (`id` of an export without ids).
        case firstOrLine([Int])
        /// First and last name, joined by a space.
        case name(first: Int?, last: Int?)
        /// A consent column: yes words → `true`, no words → `false`, empty and other → as written.
        case consent(Int, yes: Set<String>, no: Set<String>)
        /// A fixed value for every row (Mailchimp's subscribed export: every member subscribed).
        case constant(String)
        /// A phone column, normalised to E.164 with the row's country when possible; otherwise
        /// the number as written (the row checks then call it unusable for SMS, and
        /// `phoneProblem` says why).
        case phone(Int, country: Int?)
        /// Tags split on an ASCII separator, joined with the native ';'.
        case tags(Int, separator: UInt8)
        /// Mailchimp's `TAGS`: a list of quoted names (`"VIP","Wholesale, EU"`).
        case quotedList(Int)
    }

    /// The native header: `ContactsFile.columns` and the extra columns (as `snake_case` names).
    public let header: [String]
    let sources: [Source]
    let extras: [Int]
    /// Shopify writes `'7390011000001` and `'+4477…` so that Excel keeps ids and numbers as
    /// text: one leading apostrophe is dropped from every cell of its exports.
    var dropsLeadingApostrophe = false

    /// Why an export's header cannot be read as the format says.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The native header's names for the export's other columns: `Total Spent` → `total_spent`.
    static func fieldName(_ header: String) -> String {
        var name = ""
        var lastWasSeparator = false
        for scalar in header.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                name.unicodeScalars.append(scalar)
                lastWasSeparator = false
            } else if !lastWasSeparator, !name.isEmpty {
                name.append("_")
                lastWasSeparator = true
            }
        }
        while name.hasSuffix("_") { name.removeLast() }
        if let first = name.unicodeScalars.first, ("0"..."9").contains(first) { name = "_" + name }
        return name.isEmpty ? "column" : name
    }

    init(header export: [String], sources: [String: Source], used: Set<Int>) {
        // Only the native columns the export gives: a consent the export does not hold is then
        // absent (counted as such), not an empty cell.
        let given = ContactsFile.columns.filter { name in
            if case .none = sources[name] ?? .none { return name == "id" }
            return true
        }
        var names = given
        var extras: [Int] = []
        for (index, title) in export.enumerated() where !used.contains(index) {
            var name = Self.fieldName(title)
            var suffix = 2
            while names.contains(name) {
                name = "\(Self.fieldName(title))_\(suffix)"
                suffix += 1
            }
            names.append(name)
            extras.append(index)
        }
        header = names
        self.sources = given.map { sources[$0] ?? .none }
        self.extras = extras
    }

    /// The export's column a native field comes from, to point diagnostics at the right cell;
    /// nil for values the mapping makes (a constant, the line).
    public func sourceColumn(ofField field: Int) -> Int? {
        if field >= sources.count {
            let extra = field - sources.count
            return extra < extras.count ? extras[extra] : nil
        }
        switch sources[field] {
        case .none, .constant: return nil
        case .column(let index), .consent(let index, _, _), .phone(let index, _), .tags(let index, _), .quotedList(let index): return index
        case .firstOf(let indexes), .firstOrLine(let indexes): return indexes.first
        case .name(let first, let last): return first ?? last
        }
    }

    /// A cell, trimmed (without a copy when there is nothing to trim) and without Shopify's
    /// leading apostrophe. This runs for every mapped cell of every row: byte checks first, on
    /// the string's own storage (`utf8.last` goes through the generic collection path).
    func cell(_ row: [String], _ index: Int) -> String {
        guard index < row.count else { return "" }
        var value = row[index]
        let edges = value.utf8.withContiguousStorageIfAvailable { bytes -> (first: UInt8, last: UInt8)? in
            bytes.isEmpty ? nil : (bytes[0], bytes[bytes.count - 1])
        }
        let (first, last) = (edges ?? value.utf8.first.map { ($0, value.utf8.last!) }) ?? (0x21, 0x21)
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 || first >= 0x80 || last >= 0x80 {
            value = value.trimmingBlanks()
        }
        if dropsLeadingApostrophe, value.utf8.first == UInt8(ascii: "'") {
            value = value.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0.dropFirst()), as: UTF8.self) }
        }
        return value
    }

    /// Tags split on an ASCII `separator`, each trimmed of blanks, empty ones dropped, joined
    /// with the native ';' — in one pass over the bytes. A tag that starts or ends with a
    /// non-ASCII byte (a no-break space?) takes the general path, which trims what Foundation
    /// calls whitespace.
    static func joinedTags(_ text: String, separator: UInt8) -> String {
        var text = text
        let quick = text.withUTF8 { bytes -> String? in
            // One tag (most rows of most exports): the cell as it is, as before any split.
            guard let base = bytes.baseAddress, memchr(base, Int32(separator), bytes.count) != nil else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != separator { end += 1 }
                var (from, to) = (start, end)
                while from < to, bytes[from] == 0x20 || bytes[from] == 0x09 { from += 1 }
                while to > from, bytes[to - 1] == 0x20 || bytes[to - 1] == 0x09 { to -= 1 }
                if from < to {
                    if bytes[from] >= 0x80 || bytes[to - 1] >= 0x80 { return nil }
                    if !out.isEmpty { out.append(UInt8(ascii: ";")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<to]))
                }
                start = end + 1
            }
            return String(decoding: out, as: UTF8.self)
        }
        if let quick { return quick }
        guard text.utf8.contains(separator) else { return text }
        let character = Character(Unicode.Scalar(separator))
        return text.split(separator: character).map { $0.trimmingBlanks() }.filter { !$0.isEmpty }.joined(separator: ";")
    }

    /// Why the row's phone gives no E.164 number, when it has one that does not.
    public func phoneProblem(_ row: [String]) -> PhoneNumber.Problem? {
        var problem: PhoneNumber.Problem?
        _ = record(row, line: 0, phoneProblem: &problem)
        return problem
    }

    /// Whether `value` is one of `words` as spelled. Hashing a cell costs more than comparing it
    /// with the two or three consent words a format has (small strings compare in one step).
    @inline(__always)
    static func listed(_ value: String, in words: Set<String>) -> Bool {
        words.count <= 8 ? words.contains { $0 == value } : words.contains(value)
    }

    /// `"VIP","Wholesale, EU"` → `["VIP", "Wholesale, EU"]`; an unquoted list is split on commas.
    static func quotedList(_ text: String) -> [String] {
        guard text.contains("\"") else { return text.split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty } }
        var items: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" {
                quoted.toggle()
                if !quoted {
                    items.append(current)
                    current = ""
                }
            } else if quoted {
                current.append(character)
            }
        }
        return items.map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
    }

    /// The native record of an export's record read at `line`.
    public func record(_ row: [String], line: Int) -> [String] {
        var problem: PhoneNumber.Problem?
        return record(row, line: line, phoneProblem: &problem)
    }

    /// The native record, and why its phone could not be used (in the same pass).
    public func record(_ row: [String], line: Int, phoneProblem: inout PhoneNumber.Problem?) -> [String] {
        var out: [String] = []
        record(row, line: line, into: &out, phoneProblem: &phoneProblem)
        return out
    }

    /// The same into `out`, which is emptied first and keeps its storage: a reader that maps
    /// every row of a file reuses one array.
    public func record(_ row: [String], line: Int, into out: inout [String], phoneProblem: inout PhoneNumber.Problem?) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(header.count)
        func cell(_ index: Int) -> String { self.cell(row, index) }
        for source in sources {
            switch source {
            case .none: out.append("")
            case .column(let index): out.append(cell(index))
            case .firstOf(let indexes): out.append(indexes.lazy.map(cell).first { !$0.isEmpty } ?? "")
            case .firstOrLine(let indexes): out.append(indexes.lazy.map(cell).first { !$0.isEmpty } ?? "line-\(line)")
            case .name(let first, let last):
                let given = first.map(cell) ?? "", family = last.map(cell) ?? ""
                out.append(given.isEmpty ? family : family.isEmpty ? given : given + " " + family)
            case .consent(let index, let yes, let no):
                let value = cell(index)
                // An empty cell stays empty: the row checks count it apart from a "no". The
                // exact spelling is tried before a case-folded copy is made.
                if value.isEmpty {
                    out.append("")
                } else if Self.listed(value, in: yes) {
                    out.append("true")
                } else if Self.listed(value, in: no) {
                    out.append("false")
                } else {
                    let folded = value.lowercased()
                    out.append(no.contains(folded) ? "false" : yes.contains(folded) ? "true" : value)
                }
            case .constant(let value): out.append(value)
            case .phone(let index, let country):
                let raw = cell(index)
                if raw.isEmpty {
                    out.append("")
                } else {
                    switch PhoneNumber.e164(raw, country: country.map(cell) ?? "") {
                    case .success(let number): out.append(number)
                    case .failure(let problem):
                        phoneProblem = problem
                        out.append(raw)
                    }
                }
            case .quotedList(let index):
                out.append(Self.quotedList(cell(index)).joined(separator: ";"))
            case .tags(let index, let separator):
                out.append(Self.joinedTags(cell(index), separator: separator))
            }
        }
        for index in extras { out.append(cell(index)) }
    }
}
