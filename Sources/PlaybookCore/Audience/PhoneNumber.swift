/// Phone numbers as exports hold them (`(555) 010-2345`, `0612 345678`, `+44 20 7946 0958`),
/// turned into E.164 (`+442079460958`) only when that is certain: the number already carries
/// its country (`+` or `00`), or the row gives the country and the number is in its national
/// form. Anything else is left unusable for SMS rather than guessed.
public enum PhoneNumber {
    /// Country calling codes by ISO 3166-1 alpha-2 code, for the countries whose national
    /// numbers can be written in full from the code: the trunk prefix (`0`, or `1` in the NANP)
    /// is dropped where the country uses one.
    static let callingCodes: [String: (code: String, trunk: String?)] = [
        "US": ("1", "1"), "CA": ("1", "1"), "PR": ("1", "1"),
        "GB": ("44", "0"), "IE": ("353", "0"), "FR": ("33", "0"), "DE": ("49", "0"), "AT": ("43", "0"), "CH": ("41", "0"),
        "NL": ("31", "0"), "BE": ("32", "0"), "LU": ("352", nil), "ES": ("34", nil), "PT": ("351", nil), "IT": ("39", nil),
        "SM": ("378", nil), "VA": ("39", nil), "GR": ("30", nil), "DK": ("45", nil), "NO": ("47", nil), "SE": ("46", "0"),
        "FI": ("358", "0"), "PL": ("48", nil), "CZ": ("420", nil), "HU": ("36", "06"), "RO": ("40", "0"), "TR": ("90", "0"),
        "AU": ("61", "0"), "NZ": ("64", "0"), "JP": ("81", "0"), "KR": ("82", "0"), "IN": ("91", "0"), "SG": ("65", nil),
        "HK": ("852", nil), "BR": ("55", "0"), "MX": ("52", nil), "AR": ("54", "0"), "ZA": ("27", "0"), "IL": ("972", "0"),
        "AE": ("971", "0"), "NG": ("234", "0"), "KE": ("254", "0"), "PH": ("63", "0"), "ID": ("62", "0"), "MY": ("60", "0"),
        "TH": ("66", "0"), "VN": ("84", "0"), "CN": ("86", "0"), "TW": ("886", "0"), "UA": ("380", "0"),
    ]

    /// Whether `text` is E.164: `+`, then 8 to 15 digits, the first not 0.
    public static func isE164(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 9, scalars.count <= 16, scalars[0] == "+", scalars[1] != "0" else { return false }
        return scalars.dropFirst().allSatisfy { ("0"..."9").contains($0) }
    }

    /// The number in E.164, or nil when it cannot be known: `country` is an ISO 3166-1 alpha-2
    /// code (any case), or empty when the row gives none.
    public static func e164(_ raw: String, country: String = "") -> String? {
        let trimmed = raw.trimmingBlanks()
        guard !trimmed.isEmpty else { return nil }
        // Keep digits and a leading '+'; drop the usual separators; anything else (letters, an
        // extension) means the number is not one we can vouch for.
        var digits = ""
        var plus = false
        for (index, scalar) in trimmed.unicodeScalars.enumerated() {
            switch scalar {
            case "0"..."9": digits.unicodeScalars.append(scalar)
            case "+" where index == 0: plus = true
            case " ", "-", ".", "(", ")", "/", "\u{00A0}": continue
            default: return nil
            }
        }
        if plus {
            let number = "+" + digits
            return isE164(number) ? number : nil
        }
        if digits.hasPrefix("00") {
            let number = "+" + digits.dropFirst(2)
            return isE164(number) ? number : nil
        }
        guard let (code, trunk) = callingCodes[country.trimmingBlanks().uppercased()] else { return nil }
        var national = Substring(digits)
        // A calling code written without '+' ("39 333 …") is not guessed: "393 …" is also an
        // Italian mobile prefix. Only the trunk prefix of the national form is dropped.
        if let trunk, national.hasPrefix(trunk) { national = national.dropFirst(trunk.count) }
        let number = "+" + code + national
        return isE164(number) && national.count >= 6 ? number : nil
    }
}
