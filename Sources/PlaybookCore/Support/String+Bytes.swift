import Foundation

extension String {
    /// Whether `needle` occurs in the text, comparing UTF-8 bytes.
    ///
    /// With Foundation imported, `text.contains("\n")` resolves to Foundation's NSString search,
    /// which costs microseconds a call on Linux; the loader asks it for every scalar. The needles
    /// here are short ASCII strings, for which a byte search gives the same answer.
    func containsBytes(_ needle: String) -> Bool {
        var text = self, needle = needle
        return text.withUTF8 { bytes in
            needle.withUTF8 { pattern in
                guard let first = pattern.first else { return true }
                let n = bytes.count, m = pattern.count
                var i = 0
                while i + m <= n {
                    if bytes[i] == first {
                        var k = 1
                        while k < m, bytes[i + k] == pattern[k] { k += 1 }
                        if k == m { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }
}

extension Substring {
    /// `trimmingCharacters(in: .whitespaces)` (or `.whitespacesAndNewlines`), without Foundation's
    /// NSString round trip in the usual case: ASCII blanks are trimmed here, and only text that
    /// then starts or ends with a non-ASCII character (a no-break space?) goes to Foundation.
    func trimmingBlanks(newlines: Bool = false) -> String {
        let bytes = utf8
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || (newlines && b >= 0x0A && b <= 0x0D) }
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        let core = self[start..<end]
        if let first = core.utf8.first, let last = core.utf8.last, first >= 0x80 || last >= 0x80 {
            return core.trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)
        }
        return String(core)
    }
}

extension String {
    /// See `Substring.trimmingBlanks(newlines:)`.
    func trimmingBlanks(newlines: Bool = false) -> String { self[...].trimmingBlanks(newlines: newlines) }
}
