/// The only way a data file's content reaches a message: the one offending field, cut to 40
/// characters and made harmless. Data files are not the playbook's author's to show (a contacts
/// export holds personal data; a mistyped path can name a file of secrets), and diagnostics end
/// up in CI logs and GitHub annotations.
public enum DataFileExcerpt {
    /// At most this many characters of a field are shown.
    public static let maximumCharacters = 40

    /// `field` quoted for a message: cut to 40 characters (`…` marks the cut), control and
    /// bidirectional-formatting characters written as `\u{…}`, and anything after an `=` hidden
    /// (a `NAME=value` cell is shaped like a secret from an environment file).
    public static func quoted(_ field: String) -> String {
        var out = ""
        var count = 0
        var cut = false
        for scalar in field.unicodeScalars {
            if count == maximumCharacters {
                cut = true
                break
            }
            count += 1
            if scalar == "=" {
                out += "=…"
                return "'\(out)'"
            }
            if isHidden(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return "'\(out)\(cut ? "…" : "")'"
    }

    /// Characters that would move or hide text in a terminal or a log: C0 and C1 controls, DEL,
    /// and the bidirectional overrides and isolates.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }
}
