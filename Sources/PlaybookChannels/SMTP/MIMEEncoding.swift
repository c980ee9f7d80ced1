import Foundation

/// The encodings of Internet mail that `MailMessage` needs: RFC 2047 encoded-words for header
/// text, RFC 2045 quoted-printable and base64 for bodies, header folding (RFC 5322 §2.2.3) and
/// the RFC 5322 date.
enum MIMEEncoding {
    /// Header lines are kept to this length where they can be (RFC 5322 §2.1.1).
    static let lineLength = 78

    // MARK: Header text

    /// An unstructured header value (Subject): ASCII folded at spaces, anything else as
    /// encoded-words. Line breaks and control characters become spaces, so that a value cannot
    /// add header fields.
    static func unstructured(_ text: String, prefixLength: Int) -> String {
        let clean = singleLine(text)
        if clean.unicodeScalars.allSatisfy({ $0.isASCII }), !clean.contains("=?") {
            return fold(clean, prefixLength: prefixLength)
        }
        return encodedWords(clean, prefixLength: prefixLength)
    }

    /// A display name: bare when it is only atoms and spaces, quoted when it has specials,
    /// encoded-words when it is not ASCII.
    static func phrase(_ text: String, prefixLength: Int) -> String {
        let clean = singleLine(text)
        guard clean.unicodeScalars.allSatisfy({ $0.isASCII }), !clean.contains("=?") else {
            return encodedWords(clean, prefixLength: prefixLength)
        }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ".utf8)
        if clean.utf8.allSatisfy(atext.contains) { return clean }
        return "\"" + clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func singleLine(_ text: String) -> String {
        let mapped = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        return mapped.trimmingCharacters(in: .whitespaces)
    }

    /// RFC 2047 `=?utf-8?B?…?=` words, each at most 75 characters and never splitting a
    /// character, on folded lines of at most 78.
    static func encodedWords(_ text: String, prefixLength: Int) -> String {
        let overhead = "=?utf-8?B??=".count
        /// UTF-8 bytes that fit in a word starting at `column`: base64 makes 4 of every 3.
        func budget(_ column: Int) -> Int { (min(75, lineLength - column) - overhead) / 4 * 3 }
        var out = ""
        var column = prefixLength
        var chunk: [UInt8] = []
        func flush() {
            let word = "=?utf-8?B?\(Data(chunk).base64EncodedString())?="
            out += word
            column += word.count
            chunk = []
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > budget(column) {
                flush()
                out += "\r\n "
                column = 1
            } else if chunk.isEmpty, bytes.count > budget(column), column > 1 {
                // The header name leaves no room: start on the next line.
                out += "\r\n "
                column = 1
            }
            chunk += bytes
        }
        if !chunk.isEmpty || out.isEmpty { flush() }
        return out
    }

    /// Folds ASCII text at spaces so lines stay under 78 characters where a word allows it.
    static func fold(_ text: String, prefixLength: Int) -> String {
        guard prefixLength + text.count > lineLength else { return text }
        var out = ""
        var column = prefixLength
        for (index, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 0 {
                if column + 1 + word.count > lineLength, column > 1 {
                    out += "\r\n "
                    column = 1
                } else {
                    out += " "
                    column += 1
                }
            }
            out += word
            column += word.count
        }
        return out
    }

    // MARK: Bodies

    /// Text with every line break (CRLF, LF or a lone CR) as CRLF, as mail requires.
    static func crlf(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 64)
        var previousCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0D:
                out += [0x0D, 0x0A]
                previousCR = true
            case 0x0A:
                if !previousCR { out += [0x0D, 0x0A] }
                previousCR = false
            default:
                out.append(byte)
                previousCR = false
            }
        }
        return out
    }

    enum TransferEncoding: String {
        case sevenBit = "7bit"
        case quotedPrintable = "quoted-printable"
        case base64
    }

    /// The lightest encoding that keeps a body 7-bit with short lines: 7bit when it already is,
    /// quoted-printable for text that is mostly ASCII, base64 otherwise (Greek, Japanese…).
    /// A body that contains `avoid` (the multipart boundary) is always encoded.
    static func transferEncoding(for bytes: [UInt8], avoid: String? = nil) -> TransferEncoding {
        var nonASCII = 0
        var lineStart = 0
        var longLine = false
        for (index, byte) in bytes.enumerated() {
            if byte >= 0x80 || byte == 0 { nonASCII += 1 }
            if byte == 0x0A {
                if index - lineStart > 998 { longLine = true }
                lineStart = index + 1
            }
        }
        if bytes.count - lineStart > 998 { longLine = true }
        let containsBoundary = avoid.map { bytes.contains(subsequence: Array($0.utf8)) } ?? false
        if nonASCII == 0, !longLine, !containsBoundary { return .sevenBit }
        return nonASCII * 3 > bytes.count ? .base64 : .quotedPrintable
    }

    static func encode(_ bytes: [UInt8], as encoding: TransferEncoding) -> [UInt8] {
        switch encoding {
        case .sevenBit: return bytes
        case .quotedPrintable: return quotedPrintable(bytes)
        case .base64: return base64Lines(bytes)
        }
    }

    /// RFC 2045 §6.7 over CRLF text: CRLF stays a hard line break, lines are cut at 76 with soft
    /// breaks, `=` and bytes outside printable ASCII become `=XX`, as does a space or tab that
    /// would end a line.
    static func quotedPrintable(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 2)
        var column = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                out += [0x0D, 0x0A]
                column = 0
                index += 2
                continue
            }
            let atLineEnd = index + 1 == bytes.count || (bytes[index + 1] == 0x0D && index + 2 < bytes.count && bytes[index + 2] == 0x0A)
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !atLineEnd)
            let token: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            // Keep room for the soft break's `=` unless this token ends the line.
            let limit = atLineEnd ? 76 : 75
            if column + token.count > limit {
                out += [UInt8(ascii: "="), 0x0D, 0x0A]
                column = 0
            }
            out += token
            column += token.count
            index += 1
        }
        return out
    }

    /// Base64 in lines of 76 characters.
    static func base64Lines(_ bytes: [UInt8]) -> [UInt8] {
        Array(Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]).utf8)
    }

    // MARK: Dates

    /// `Mon, 04 Oct 2021 15:40:00 +0000` (RFC 5322 §3.3), in UTC.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return
            "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
