/// Where the contract's columns are in a contacts file's rows, found from its header (CSV) or its
/// table's columns (SQLite). Extra columns become `contact.fields.NAME`.
///
/// Built from a list of names, so that an export with other column names can be read by naming
/// its columns for the contract's before this is built.
public struct ContactColumns: Sendable {
    /// The contract's columns, in their order.
    public enum Field: Int, CaseIterable, Sendable {
        case id, name, email, phone, tags, consentEmail, consentSMS, timezone, locale

        public var column: String { ContactColumns.names[rawValue] }
    }

    public static let names = ["id", "name", "email", "phone", "tags", "consent_email", "consent_sms", "timezone", "locale"]

    /// A header that cannot be used, at the 1-based position of the offending name (1 when it is
    /// a name that is missing).
    public struct Problem: Error, Sendable, Equatable {
        public var column: Int
        public var message: String
    }

    /// Position in a row of each of the contract's fields, by `Field.rawValue`.
    let positions: [Int?]
    /// Extra columns: name and position.
    let extra: [(name: String, position: Int)]
    /// How many columns the header has.
    public let count: Int

    public var extraColumns: [String] { extra.map(\.name) }

    /// The columns of `header` (names already trimmed). A missing `id`, or a contract column
    /// named twice, is a problem: rows could not be keyed, or it is unclear which cell is meant
    /// (a consent column twice could send to someone who declined). Empty names are ignored.
    public init(header: [String], what: String = "the header") throws(Problem) {
        var positions = [Int?](repeating: nil, count: Self.names.count)
        var extra: [(name: String, position: Int)] = []
        var seen = Set<String>()
        for (position, name) in header.enumerated() where !name.isEmpty {
            if let field = Self.names.firstIndex(of: name) {
                if let first = positions[field] {
                    throw Problem(column: position + 1, message: "column '\(name)' appears twice in \(what) (columns \(first + 1) and \(position + 1))")
                }
                positions[field] = position
            } else if seen.insert(name).inserted {
                extra.append((name, position))
            }
        }
        guard positions[Field.id.rawValue] != nil else {
            let hint = Self.suggestion(for: "id", among: header).map { "; did you mean \(DataFileExcerpt.quoted($0))?" } ?? ""
            throw Problem(column: 1, message: "\(what) has no 'id' column\(hint)")
        }
        self.positions = positions
        self.extra = extra
        count = header.count
    }

    @inline(__always)
    public func position(of field: Field) -> Int? { positions[field.rawValue] }

    /// The contract columns missing from the header, each with the one header name that looks
    /// like it (a different case, or a letter or two off), for a warning.
    public func nearMisses(in header: [String]) -> [(missing: String, name: String, column: Int)] {
        Field.allCases.compactMap { field in
            guard positions[field.rawValue] == nil, let name = Self.suggestion(for: field.column, among: header),
                let position = header.firstIndex(of: name)
            else { return nil }
            return (field.column, name, position + 1)
        }
    }

    /// The one name of `header` close to `wanted`: the same but for case, `-` or spaces, or at
    /// most one edit away for short names and two for longer ones. Long names are never offered
    /// (a header that is really a line of something else must not be echoed).
    static func suggestion(for wanted: String, among header: [String], known: [String] = ContactColumns.names) -> String? {
        func normalized(_ s: String) -> String {
            String(s.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
        }
        let target = normalized(wanted)
        let candidates = header.filter { !$0.isEmpty && $0.count <= 40 && !known.contains($0) }
        if let same = candidates.first(where: { normalized($0) == target }) { return same }
        let allowed = target.count <= 4 ? 1 : 2
        let close = candidates.filter { editDistance(normalized($0), target) <= allowed }
        return close.count == 1 ? close[0] : nil
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
