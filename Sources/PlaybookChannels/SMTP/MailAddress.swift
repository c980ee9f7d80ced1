import Foundation

/// A mailbox: an address with an optional display name (`Example Shop <hello@shop.example>`).
///
/// Only ASCII addresses are taken: this client does not speak SMTPUTF8, and an address that
/// cannot be sent is better refused before connecting.
struct MailAddress: Sendable, Equatable {
    var displayName: String?
    /// `local@domain`, as used in `MAIL FROM:<…>` and `RCPT TO:<…>`.
    var address: String

    var domain: String { address.split(separator: "@").last.map(String.init) ?? "" }

    enum Problem: Error, Equatable {
        case invalid(String)
    }

    /// Reads `addr`, `<addr>`, `Name <addr>` or `"Name, Inc." <addr>`.
    init(parsing text: String) throws(Problem) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var name: String?
        var address = trimmed
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if display.count >= 2, display.hasPrefix("\""), display.hasSuffix("\"") {
                display = String(display.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
            }
            name = display.isEmpty ? nil : display
        }
        try Self.check(address)
        self.init(displayName: name, address: address)
    }

    init(displayName: String?, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// RFC 5321 §4.1.2 in practice: one `@`, a non-empty local part and a dotted-or-not domain,
    /// printable ASCII without spaces, angle brackets or commas.
    static func check(_ address: String) throws(Problem) {
        let shown = String(address.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }.prefix(80))
        guard !address.isEmpty else { throw .invalid("an empty email address") }
        guard address.unicodeScalars.allSatisfy({ $0.isASCII }) else {
            throw .invalid("'\(shown)' is not an ASCII email address (internationalised addresses are not supported)")
        }
        guard address.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !"<>(),;\\[]".utf8.contains($0) }) else {
            throw .invalid("'\(shown)' is not an email address")
        }
        guard let at = address.lastIndex(of: "@"), at != address.startIndex, address.index(after: at) != address.endIndex,
            address.utf8.count <= 254, !address[address.index(after: at)...].contains("@"), !address[..<at].contains("@")
        else {
            throw .invalid("'\(shown)' is not an email address")
        }
    }

    /// The header form: `Name <addr>` with the name quoted or RFC 2047-encoded as needed.
    func headerValue(prefixLength: Int) -> String {
        guard let displayName, !displayName.isEmpty else { return address }
        return "\(MIMEEncoding.phrase(displayName, prefixLength: prefixLength)) <\(address)>"
    }
}
