/// What a server offers in its EHLO reply (RFC 5321 §4.1.1.1), as far as this client uses it.
struct SMTPCapabilities: Sendable, Equatable {
    var startTLS = false
    /// SASL mechanisms of `AUTH`, upper-cased (RFC 4954).
    var authMechanisms: Set<String> = []
    /// RFC 2920: commands may be sent without waiting for each reply.
    var pipelining = false
    /// RFC 1870: the largest message the server takes; nil when not announced or 0 (no limit).
    var maxSize: Int?
    /// Whether `MAIL FROM` may carry `SIZE=`.
    var sizeExtension = false
    /// RFC 6152. Messages built by `MailMessage` are 7-bit, so this is informational.
    var eightBitMIME = false
    var smtpUTF8 = false
    /// RFC 3463 enhanced status codes in replies.
    var enhancedStatusCodes = false

    init() {}

    /// Reads the keywords of an EHLO reply; the first line is the server's greeting, not a keyword.
    init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map { String($0).uppercased() }
            guard let keyword = words.first else { continue }
            switch keyword {
            case "STARTTLS": startTLS = true
            case "AUTH": authMechanisms.formUnion(words.dropFirst())
            case "PIPELINING": pipelining = true
            case "SIZE":
                sizeExtension = true
                if words.count > 1, let size = Int(words[1]), size > 0 { maxSize = size }
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
            default: break
            }
        }
    }
}
