import Foundation

/// Removes secret values (everything that came from `${env.X}`) from any text before it is
/// printed, logged or journaled — a second line of defence behind adapters that never put a
/// token in a message.
///
/// A secret travels in more than one spelling: percent-encoded in a URL or a form body (upper or
/// lower case hex, `+` for a space), escaped inside JSON (`\/`, `\uXXXX`), or base64-encoded alone
/// or inside a pair such as HTTP basic auth's `user:secret` or SMTP's `\0user\0secret`. Every one
/// of those spellings is masked. Text is redacted whole and only then cut (`redact(_:limit:)`):
/// cutting first could leave half a token that no longer matches.
public struct SecretRedactor: Sendable {
    /// The shortest value that is masked. Shorter values would mangle ordinary text, so a
    /// credential shorter than this is refused before a run starts instead of being sent.
    public static let minimumLength = 4

    /// What replaces each secret.
    public static let mask = "[redacted]"

    /// The secrets masked, as given.
    private let secrets: Set<String>
    /// Every spelling of every secret, as UTF-8, longest first.
    private let forms: [[UInt8]]

    public init(secrets: [String]) {
        let kept = Set(secrets.filter { $0.count >= Self.minimumLength })
        self.secrets = kept
        forms = Self.forms(of: kept)
    }

    private init(secrets: Set<String>, forms: [[UInt8]]) {
        self.secrets = secrets
        self.forms = forms
    }

    /// This redactor and `more` secrets. Spelling a secret out takes far longer than masking it,
    /// so an adapter adds its own few secrets to the playbook's redactor built once, and secrets
    /// already known cost nothing.
    public func adding(_ more: [String]) -> SecretRedactor {
        let new = Set(more.filter { $0.count >= Self.minimumLength }).subtracting(secrets)
        guard !new.isEmpty else { return self }
        let merged = Set(forms).union(Self.forms(of: new))
        return SecretRedactor(secrets: secrets.union(new), forms: merged.sorted { $0.count > $1.count })
    }

    private static func forms(of secrets: Set<String>) -> [[UInt8]] {
        var all = Set<String>()
        for secret in secrets { all.formUnion(spellings(of: secret)) }
        return all.filter { $0.utf8.count >= minimumLength }.map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    /// Whether there is nothing to mask.
    public var isEmpty: Bool { forms.isEmpty }

    /// `text` with every spelling of every secret replaced by `[redacted]`.
    public func redact(_ text: String) -> String {
        guard !forms.isEmpty, !text.isEmpty else { return text }
        let bytes = Array(text.utf8)
        let found = matches(in: bytes)
        guard !found.isEmpty else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for range in found {
            out += bytes[position..<range.lowerBound]
            out += Self.mask.utf8
            position = range.upperBound
        }
        out += bytes[position...]
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` redacted, then cut to at most `limit` characters (an ellipsis marks the cut).
    public func redact(_ text: String, limit: Int) -> String {
        Self.cut(redact(text), limit: limit)
    }

    /// `text` cut to at most `limit` characters, with an ellipsis when it was longer. Only for
    /// text already redacted: cutting first can split a secret so that it is no longer found.
    public static func cut(_ text: String, limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// The byte ranges where any form occurs, overlapping ones merged, in order.
    private func matches(in bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { text in
            for form in forms where form.count <= text.count {
                form.withUnsafeBufferPointer { needle in
                    let first = needle[0]
                    var start = 0
                    while start + needle.count <= text.count {
                        if text[start] == first, memcmp(text.baseAddress! + start, needle.baseAddress!, needle.count) == 0 {
                            ranges.append(start..<start + needle.count)
                        }
                        start += 1
                    }
                }
            }
        }
        guard ranges.count > 1 else { return ranges }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = [ranges[0]]
        for range in ranges.dropFirst() {
            if range.lowerBound <= merged[merged.count - 1].upperBound {
                merged[merged.count - 1] = merged[merged.count - 1].lowerBound..<max(range.upperBound, merged[merged.count - 1].upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}

extension SecretRedactor {
    /// The spellings a secret can take in a message, a URL, a body or a header.
    static func spellings(of secret: String) -> Set<String> {
        var spellings: Set<String> = [secret]
        for allowed in percentEncodingSets {
            guard let encoded = secret.addingPercentEncoding(withAllowedCharacters: allowed) else { continue }
            spellings.insert(encoded)
            spellings.insert(lowercasingHex(encoded))
        }
        // application/x-www-form-urlencoded: a space is `+`.
        for spelling in spellings where spelling.contains("%20") {
            spellings.insert(spelling.replacingOccurrences(of: "%20", with: "+"))
        }
        for spelling in spellings { spellings.formUnion(jsonEscapings(of: spelling)) }
        spellings.formUnion(base64Spellings(of: Array(secret.utf8)))
        return spellings
    }

    /// The character sets encoders leave as they are: RFC 3986's unreserved characters (the
    /// strictest, what form bodies use) and Foundation's per-component sets.
    private static let percentEncodingSets: [CharacterSet] = [
        CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"),
        .urlQueryAllowed, .urlPathAllowed, .urlUserAllowed, .urlPasswordAllowed, .urlFragmentAllowed, .urlHostAllowed,
    ]

    private static func lowercasingHex(_ encoded: String) -> String {
        var out = ""
        var pending = 0
        for character in encoded {
            if character == "%" {
                pending = 2
                out.append(character)
            } else if pending > 0 {
                pending -= 1
                out += character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// The secret as it appears inside a JSON string: the minimal escaping, with `/` as `\/`, and
    /// with every non-ASCII character as `\uXXXX` (either hex case).
    static func jsonEscapings(of text: String) -> Set<String> {
        var out: Set<String> = []
        for slash in [false, true] {
            for ascii in [false, true] {
                for upper in [false, true] {
                    out.insert(jsonEscaped(text, slash: slash, asciiOnly: ascii, upperHex: upper))
                }
            }
        }
        return out
    }

    private static func jsonEscaped(_ text: String, slash: Bool, asciiOnly: Bool, upperHex: Bool) -> String {
        func hex(_ unit: UInt16) -> String {
            let digits = String(unit, radix: 16, uppercase: upperHex)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/" where slash: out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 { out += hex(unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Base64 of the secret alone (standard and URL-safe alphabets), and the part of its encoding
    /// that stays the same wherever it sits inside a longer encoded value: base64 works in groups
    /// of three bytes, so the secret, preceded by 0, 1 or 2 other bytes (`user:` of basic auth,
    /// `\0user\0` of SMTP's AUTH PLAIN), encodes to one of three strings, less the characters
    /// that mix its bits with its neighbours'.
    static func base64Spellings(of secret: [UInt8]) -> Set<String> {
        var out: Set<String> = []
        let whole = Data(secret).base64EncodedString()
        out.insert(whole)
        for offset in 0..<3 {
            let encoded = Array(Data(Array(repeating: 0, count: offset) + secret).base64EncodedString().utf8)
            let start = (8 * offset + 5) / 6
            let end = 8 * (offset + secret.count) / 6
            guard end - start >= minimumLength else { continue }
            out.insert(String(decoding: encoded[start..<end], as: UTF8.self))
        }
        for spelling in out {
            out.insert(spelling.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
        }
        return out
    }
}
