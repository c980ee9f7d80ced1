/// Phone numbers as exports hold them (`'+447700900123`, `(202) 555-0178`, `06 6982 1234`),
/// turned into E.164 (`+447700900123`) only when that is certain: the number already carries
/// its country (`+` or `00`), or the row names a country whose numbering is known and the number
/// is a national number of that country's length. Anything else is left unusable for SMS, with
/// its reason, rather than guessed (docs/contacts.md, "Phone numbers").
public enum PhoneNumber {
    /// Why a phone cell gives no E.164 number.
    public enum Problem: String, Error, Sendable, Equatable {
        /// Not in international form, and the row names no country.
        case noCountry = "phone_no_country"
        /// The row's country is not one of `countries`.
        case countryUnknown = "phone_country_unknown"
        /// Letters, an extension, too short or too long.
        case notE164 = "phone_not_e164"
    }

    /// A country whose national numbers can be completed: calling code, the trunk prefix
    /// dropped from the national form, and the national number's length.
    struct Numbering: Sendable {
        var name: String
        var code: String
        var trunk: String?
        /// NANP: the trunk `1` is dropped only from an 11-digit number.
        var trunkOnlyAtLength: Int?
        var lengths: ClosedRange<Int>
    }

    static let countries: [String: Numbering] = [
        "AU": Numbering(name: "Australia", code: "61", trunk: "0", lengths: 9...9),
        "CA": Numbering(name: "Canada", code: "1", trunk: "1", trunkOnlyAtLength: 11, lengths: 10...10),
        "DK": Numbering(name: "Denmark", code: "45", trunk: nil, lengths: 8...8),
        "FR": Numbering(name: "France", code: "33", trunk: "0", lengths: 9...9),
        "DE": Numbering(name: "Germany", code: "49", trunk: "0", lengths: 6...13),
        "IE": Numbering(name: "Ireland", code: "353", trunk: "0", lengths: 7...9),
        "IT": Numbering(name: "Italy", code: "39", trunk: nil, lengths: 6...11),
        "JP": Numbering(name: "Japan", code: "81", trunk: "0", lengths: 9...10),
        "NL": Numbering(name: "Netherlands", code: "31", trunk: "0", lengths: 9...9),
        "NO": Numbering(name: "Norway", code: "47", trunk: nil, lengths: 8...8),
        "ES": Numbering(name: "Spain", code: "34", trunk: nil, lengths: 9...9),
        "SE": Numbering(name: "Sweden", code: "46", trunk: "0", lengths: 7...13),
        "GB": Numbering(name: "United Kingdom", code: "44", trunk: "0", lengths: 9...10),
        "US": Numbering(name: "United States", code: "1", trunk: "1", trunkOnlyAtLength: 11, lengths: 10...10),
    ]

    /// The numbering of a country given as a two-letter code (any case) or its English name.
    static func numbering(_ country: String) -> Numbering? {
        let key = country.trimmingBlanks()
        if let found = countries[key.uppercased()] { return found }
        let folded = key.lowercased()
        return countries.values.first { $0.name.lowercased() == folded }
    }

    /// Whether `text` is E.164 as the contacts checks take it: `+`, then 7 to 15 digits, the
    /// first not 0.
    public static func isE164(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 8, scalars.count <= 16, scalars[0] == "+", scalars[1] != "0" else { return false }
        return scalars.dropFirst().allSatisfy { ("0"..."9").contains($0) }
    }

    /// The number in E.164, or why not. `country` is the row's country (code or name), empty
    /// when it gives none. An empty cell is not a problem of this function (the caller says
    /// "no phone").
    public static func e164(_ raw: String, country: String = "") -> Result<String, Problem> {
        var text = raw.trimmingBlanks()
        if text.hasPrefix("'") { text.removeFirst() }  // Shopify keeps the '+' from Excel so
        text = text.replacingOccurrences(of: "(0)", with: "")
        var digits = ""
        var plus = false
        for (index, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "0"..."9": digits.unicodeScalars.append(scalar)
            case "+" where index == 0: plus = true
            case " ", "-", ".", "(", ")", "/", "\u{00A0}": continue
            default: return .failure(.notE164)
            }
        }
        if plus || digits.hasPrefix("00") {
            let number = "+" + (plus ? digits[...] : digits.dropFirst(2))
            return isE164(number) ? .success(number) : .failure(.notE164)
        }
        guard !country.trimmingBlanks().isEmpty else { return .failure(.noCountry) }
        guard let numbering = numbering(country) else { return .failure(.countryUnknown) }
        var national = Substring(digits)
        if let trunk = numbering.trunk, national.hasPrefix(trunk), numbering.trunkOnlyAtLength.map({ national.count == $0 }) ?? true {
            national = national.dropFirst(trunk.count)
        }
        guard numbering.lengths.contains(national.count) else { return .failure(.notE164) }
        return .success("+" + numbering.code + national)
    }
}
