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

    /// `countries` by their two-letter codes as two bytes: an export names the same few
    /// countries on every row, and comparing two bytes with 14 codes costs less than hashing.
    static let byCode: [(code: UInt16, numbering: Numbering)] = countries.map { (code($0.key.utf8)!, $0.value) }

    static func code(_ bytes: some Collection<UInt8>) -> UInt16? {
        guard bytes.count == 2, let first = bytes.first, let last = bytes.dropFirst().first else { return nil }
        return UInt16(first) << 8 | UInt16(last)
    }

    /// The numbering of a country given as a two-letter code (any case) or its English name.
    static func numbering(_ country: String) -> Numbering? {
        if let code = code(country.utf8), let found = byCode.first(where: { $0.code == code }) { return found.numbering }  // most exports write the code as is
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
        // One pass over the bytes into a small buffer (this runs for every row of an export):
        // digits and a leading '+' are kept; one leading apostrophe (Shopify keeps the '+' from
        // Excel so), "(0)" and the usual separators are dropped; anything else means the number
        // cannot be vouched for.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 ASCII digits, inline
        var count = 0
        var plus = false
        var tooLong = false
        var bad = false
        var seenContent = false
        var raw = raw
        raw.withUTF8 { bytes in
            withUnsafeMutableBytes(of: &digits) { buffer in
                var i = 0
                while i < bytes.count {
                    let byte = bytes[i]
                    i += 1
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"):
                        if count < buffer.count { buffer[count] = byte } else { tooLong = true }
                        count += 1
                        seenContent = true
                    case UInt8(ascii: "+") where !seenContent && !plus:
                        plus = true
                        seenContent = true
                    case UInt8(ascii: "'") where !seenContent:
                        continue
                    case UInt8(ascii: "("):
                        // "(0)" is dropped whole; any other bracket is a separator.
                        if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "0"), bytes[i + 1] == UInt8(ascii: ")") { i += 2 }
                    case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ")"), UInt8(ascii: "/"), 0x09: continue
                    case 0xC2:  // a no-break space (C2 A0) is a separator
                        if i < bytes.count, bytes[i] == 0xA0 { i += 1 } else { bad = true }
                    default: bad = true
                    }
                    if bad { return }
                }
            }
        }
        guard !bad, !tooLong else { return .failure(.notE164) }
        // The digits are ASCII, so counting bytes counts digits; no string is made until the
        // answer is known.
        let international = withUnsafeBytes(of: &digits) { raw -> Result<String, Problem>? in
            let all = raw.prefix(count)
            guard plus || (count >= 2 && all[0] == UInt8(ascii: "0") && all[1] == UInt8(ascii: "0")) else { return nil }
            // E.164: 7 to 15 digits after the '+', the first not 0.
            let significant = plus ? all : all.dropFirst(2)
            guard (7...15).contains(significant.count), significant.first != UInt8(ascii: "0") else { return .failure(.notE164) }
            return .success("+" + String(decoding: significant, as: UTF8.self))
        }
        if let international { return international }
        let numbering: Numbering
        if let code = code(country.utf8), let found = byCode.first(where: { $0.code == code }) {
            numbering = found.numbering  // most exports write the code as is
        } else {
            guard !country.isEmpty, !country.trimmingBlanks().isEmpty else { return .failure(.noCountry) }
            guard let found = Self.numbering(country) else { return .failure(.countryUnknown) }
            numbering = found
        }
        return withUnsafeBytes(of: &digits) { raw in
            var national = raw.prefix(count)
            if let trunk = numbering.trunk, national.starts(with: trunk.utf8), numbering.trunkOnlyAtLength.map({ national.count == $0 }) ?? true {
                national = national.dropFirst(trunk.utf8.count)
            }
            guard numbering.lengths.contains(national.count) else { return .failure(.notE164) }
            return .success("+" + numbering.code + String(decoding: national, as: UTF8.self))
        }
    }
}
