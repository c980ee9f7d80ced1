import Foundation

/// Base64 with the URL-safe alphabet (`-` and `_`) and no padding (RFC 4648, section 5): the
/// token goes in a path or a query without escaping.
extension ApprovalToken {
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of a canonical base64url text; nil for any other character, for padding, or
    /// for a text that is not the encoding of its own bytes (stray low bits in the last
    /// character), so that each token has exactly one spelling.
    static func bytes(fromBase64URL text: String) -> [UInt8]? {
        let allowed = text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard allowed, text.utf8.count % 4 != 1 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        let bytes = [UInt8](data)
        return base64URL(bytes) == text ? bytes : nil
    }
}
