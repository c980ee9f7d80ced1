import Crypto
import Foundation

/// One email as it goes on the wire (RFC 5322 with MIME, RFC 2045–2047): 7-bit, CRLF line
/// endings, ready for DATA (which adds the dot-stuffing).
///
/// A text/plain part always; with `html`, a multipart/alternative of the text and the HTML (the
/// plain text first, so that clients prefer the HTML, RFC 2046 §5.1.4). The Message-ID comes
/// from the delivery's idempotency key, so a retried or resumed delivery carries the same one
/// and the recipient's server and client can recognise it.
struct MailMessage: Sendable, Equatable {
    var from: MailAddress
    var to: MailAddress
    var subject: String
    var text: String
    var html: String?
    var date: Date
    /// Without angle brackets: `<hash>@<from domain>`.
    var messageID: String
    /// RFC 2369 targets (`https:` or `mailto:` URIs, without angle brackets).
    var listUnsubscribe: [String] = []

    /// `<first 32 hex digits of SHA-256(key)>@domain`: stable for a delivery, opaque to readers.
    static func messageID(idempotencyKey: String, domain: String) -> String {
        let digest = SHA256.hash(data: Data(idempotencyKey.utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "@" + (domain.isEmpty ? "playbook.invalid" : domain)
    }

    /// The multipart boundary: derived from the Message-ID, and in a form (`=_`) that neither
    /// quoted-printable nor base64 can produce.
    var boundary: String { "=_playbook_" + String(messageID.prefix(24)) }

    /// RFC 8058 one-click unsubscription needs an HTTPS target; a mailto-only List-Unsubscribe
    /// gets no List-Unsubscribe-Post.
    var offersOneClickUnsubscribe: Bool { listUnsubscribe.contains { $0.lowercased().hasPrefix("https://") } }

    /// The header fields, in order, as (name, value) with values already encoded and folded.
    var headers: [(String, String)] {
        var fields: [(String, String)] = [
            ("From", from.headerValue(prefixLength: 6)),
            ("To", to.headerValue(prefixLength: 4)),
            ("Subject", MIMEEncoding.unstructured(subject, prefixLength: 9)),
            ("Date", MIMEEncoding.date(date)),
            ("Message-ID", "<\(messageID)>"),
            ("MIME-Version", "1.0"),
        ]
        if !listUnsubscribe.isEmpty {
            fields.append(("List-Unsubscribe", listUnsubscribe.map { "<\($0)>" }.joined(separator: ",\r\n ")))
            if offersOneClickUnsubscribe { fields.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")) }
        }
        return fields
    }

    /// The whole message: headers, blank line, body; ends with CRLF.
    func rendered() -> [UInt8] {
        var out: [UInt8] = []
        func line(_ text: String) { out += Array(text.utf8) + [0x0D, 0x0A] }
        for (name, value) in headers { line("\(name): \(value)") }
        let textBytes = MIMEEncoding.crlf(text)
        guard let html else {
            appendPart(&out, type: "text/plain", bytes: textBytes, avoid: nil)
            return out
        }
        line("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        line("")
        line("--\(boundary)")
        appendPart(&out, type: "text/plain", bytes: textBytes, avoid: boundary)
        line("--\(boundary)")
        appendPart(&out, type: "text/html", bytes: MIMEEncoding.crlf(html), avoid: boundary)
        line("--\(boundary)--")
        return out
    }

    /// A part's Content-Type and Content-Transfer-Encoding, a blank line and its body, ending
    /// with CRLF (which, before a boundary, belongs to the boundary's delimiter).
    private func appendPart(_ out: inout [UInt8], type: String, bytes: [UInt8], avoid: String?) {
        let encoding = MIMEEncoding.transferEncoding(for: bytes, avoid: avoid)
        out += Array("Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: \(encoding.rawValue)\r\n\r\n".utf8)
        let body = MIMEEncoding.encode(bytes, as: encoding)
        out += body
        // Before a boundary the CRLF belongs to the delimiter (RFC 2046 §5.1.1): always add one
        // so that the body keeps its own last line break.
        let endsWithCRLF = body.count >= 2 && body[body.count - 2] == 0x0D && body[body.count - 1] == 0x0A
        if avoid != nil || !endsWithCRLF { out += [0x0D, 0x0A] }
    }
}
