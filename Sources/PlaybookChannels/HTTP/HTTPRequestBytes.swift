import NIOCore
import NIOHTTP1

/// A request as HTTP/1.1 puts it on the wire (RFC 9112 §3, §5, §6): request line, header fields,
/// an empty line and the body, in one buffer written once. The keep-alive client writes these
/// bytes itself instead of building `HTTPHeaders` and running NIO's request encoder: for a fan-out
/// of small identical POSTs those were a fair part of each call's cost (bench/README.md). The
/// checks NIO's encoder pipeline made are made here: every field name is a token and no value
/// holds a control character but HTAB (RFC 9110 §5.1, §5.5), so no value can smuggle a line.
enum HTTPRequestBytes {
    struct Encoded {
        var bytes: ByteBuffer
        /// False when the caller asked for `Connection: close`.
        var keepsAlive: Bool
    }

    /// The client frames the body and names the host itself: callers' fields of these names are left out.
    static func isFraming(_ name: String) -> Bool {
        name.utf8.count <= 17
            && (name.caseInsensitiveEquals("Host") || name.caseInsensitiveEquals("Content-Length") || name.caseInsensitiveEquals("Transfer-Encoding"))
    }

    static func encode(
        _ method: HTTPMethod, uri: String, host: String, headers: [(String, String)], userAgent: String, body: [UInt8]?
    ) throws(KeepAliveFailure) -> Encoded {
        var size = 64 + uri.utf8.count + host.utf8.count + userAgent.utf8.count + (body?.count ?? 0)
        for (name, value) in headers { size += name.utf8.count + value.utf8.count + 4 }
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeString(method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(uri)
        buffer.writeStaticString(" HTTP/1.1\r\nHost: ")
        buffer.writeString(host)
        buffer.writeStaticString("\r\n")
        var keepsAlive = true
        var hasUserAgent = false
        for (name, value) in headers {
            guard isValidField(name: name, value: value) else { throw .invalidField(name: name) }
            if isFraming(name) { continue }
            if name.caseInsensitiveEquals("User-Agent") { hasUserAgent = true }
            if name.caseInsensitiveEquals("Connection"), value.lowercased().split(separator: ",").contains(where: { $0.trimmingSpaces == "close" }) {
                keepsAlive = false
            }
            writeField(name, value, into: &buffer)
        }
        if !hasUserAgent { writeField("User-Agent", userAgent, into: &buffer) }
        // Without a length a bodiless POST would have no framing: say it is empty.
        if let body {
            writeField("Content-Length", String(body.count), into: &buffer)
        } else if method != .GET, method != .HEAD {
            buffer.writeStaticString("Content-Length: 0\r\n")
        }
        buffer.writeStaticString("\r\n")
        if let body { buffer.writeBytes(body) }
        return Encoded(bytes: buffer, keepsAlive: keepsAlive)
    }

    private static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// Whether a header field can go on the wire: its name a token, its value free of control
    /// characters but HTAB (so no value can end the field and start another).
    static func isValidField(name: String, value: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte) && value.utf8.allSatisfy(isFieldValueByte)
    }

    /// tchar of RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Field content of RFC 9110 §5.5: visible characters, obs-text, SP and HTAB; no other control character.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\t") || (byte >= 0x20 && byte != 0x7F)
    }
}

extension String {
    /// ASCII case-insensitive equality, for header field names.
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        return zip(utf8, other.utf8).allSatisfy { a, b in a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z")) }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
