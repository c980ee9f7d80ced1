/// The values a consent column may hold, and what they mean. An empty cell means no consent; any
/// other value outside the lists cannot be read, and is no consent too (never a guess): `validate`
/// reports it, `plan` and `run` count it.
///
/// Spelled as data, not code, so that an export with its own words (`Subscribed`, `opted_in`)
/// can bring its own lists.
public struct ConsentValues: Sendable, Equatable {
    /// Values that mean consent, lowercased.
    public var yes: Set<String>
    /// Values that mean no consent, lowercased.
    public var no: Set<String>

    /// Whether these are the standard lists, which `consent(_:)` matches without hashing.
    private let isStandard: Bool

    public init(yes: Set<String>, no: Set<String>) {
        self.yes = Set(yes.map { $0.lowercased() })
        self.no = Set(no.map { $0.lowercased() })
        isStandard = self.yes == ["true", "yes", "1"] && self.no == ["false", "no", "0"]
    }

    /// The contacts file's own columns: `true/false/yes/no/1/0`, in any case (spreadsheets write
    /// `TRUE`).
    public static let standard = ConsentValues(yes: ["true", "yes", "1"], no: ["false", "no", "0"])

    /// Whether `text` (already trimmed) gives consent; nil when it is not one of the values.
    @inline(__always)
    public func consent(_ text: String) -> Bool? {
        if text.isEmpty { return false }
        if isStandard {
            switch text {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: break
            }
        }
        let lower = text.lowercased()
        if yes.contains(lower) { return true }
        if no.contains(lower) { return false }
        return nil
    }

    /// The accepted values, for messages: "true, yes, 1, false, no, 0".
    public var listed: String {
        (yes.sorted(by: Self.order) + no.sorted(by: Self.order)).joined(separator: ", ")
    }

    private static func order(_ a: String, _ b: String) -> Bool {
        (a.first?.isNumber == true ? 1 : 0, a) < (b.first?.isNumber == true ? 1 : 0, b)
    }
}
