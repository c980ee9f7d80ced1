import Foundation

/// One reply of an SMTP server (RFC 5321 §4.2): a three-digit code and its text, one string per
/// line of a multi-line reply.
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    /// 2yz: the command was accepted.
    var isCompletion: Bool { (200..<300).contains(code) }
    /// 4yz: worth trying again later (421: the server is closing the connection).
    var isTransient: Bool { (400..<500).contains(code) }
    /// 5yz: retrying the same command cannot help.
    var isPermanent: Bool { code >= 500 }

    /// The code and text as one line for error messages ("550 5.1.1 <x@y>: no such user"),
    /// without control characters. Not cut here: the channel redacts the whole message first
    /// (a server may echo what it was sent), then cuts it (`SMTPChannel.redacted`).
    var summary: String {
        let text = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        let clean = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        return clean.isEmpty ? "\(code)" : "\(code) \(clean)"
    }
}
