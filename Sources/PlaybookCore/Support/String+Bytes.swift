import Foundation

extension String {
    /// Whether `needle` occurs in the text, comparing UTF-8 bytes.
    ///
    /// With Foundation imported, `text.contains("\n")` resolves to Foundation's NSString search,
    /// which costs microseconds a call on Linux; the loader asks it for every scalar. The needles
    /// here are short ASCII strings, for which a byte search gives the same answer.
    func containsBytes(_ needle: String) -> Bool {
        let bytes = utf8, pattern = needle.utf8
        guard let first = pattern.first else { return true }
        var start = bytes.startIndex
        while let found = bytes[start...].firstIndex(of: first) {
            if bytes[found...].starts(with: pattern) { return true }
            start = bytes.index(after: found)
        }
        return false
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
