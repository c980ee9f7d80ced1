extension TemplateChecker {
    /// Whether swift-mustache certainly parses `text`, decided without parsing it: every tag is
    /// `{{name}}`, `{{#name}}`, `{{^name}}` or `{{/name}}` (blanks allowed around the name), the
    /// name is ASCII letters, digits and `._-`, and sections close in order with their own names.
    /// Nothing outside tags can fail to parse. Anything else (comments, partials, triple braces,
    /// transforms, a blank before the sigil, a mismatch, a text ending in '{') returns false and is parsed for real,
    /// so every diagnostic still comes from swift-mustache.
    ///
    /// Most templates are of this kind, and swift-mustache's parser is the largest single cost
    /// of validation (bench/README.md).
    static func isPlainlyValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let n = bytes.count
            let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
            func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
            func isNameByte(_ b: UInt8) -> Bool {
                (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                    || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            }
            // swift-mustache looks for "{{" at every '{' and fails when the text ends there.
            if bytes.last == open { return false }
            var sections: [ArraySlice<UInt8>] = []
            var i = 0
            while i + 1 < n {
                guard bytes[i] == open, bytes[i + 1] == open else {
                    i += 1
                    continue
                }
                var p = i + 2
                guard p < n else { return false }
                let sigil = bytes[p]
                let opens = sigil == UInt8(ascii: "#") || sigil == UInt8(ascii: "^")
                let closes = sigil == UInt8(ascii: "/")
                if opens || closes {
                    p += 1
                } else if !isNameByte(sigil) && !isBlank(sigil) {
                    return false
                }
                while p < n, isBlank(bytes[p]) { p += 1 }
                let nameStart = p
                while p < n, isNameByte(bytes[p]) { p += 1 }
                let name = Array(bytes[nameStart..<p])[...]
                guard !name.isEmpty else { return false }
                while p < n, isBlank(bytes[p]) { p += 1 }
                guard p + 1 < n, bytes[p] == close, bytes[p + 1] == close else { return false }
                if opens {
                    sections.append(name)
                } else if closes {
                    guard let last = sections.popLast(), last == name else { return false }
                }
                i = p + 2
            }
            return sections.isEmpty
        }
    }
}
