import NIOCore
import NIOHTTP1
import Testing

@testable import PlaybookChannels

/// The keep-alive client writes its requests' bytes itself (RFC 9112): what they are, and the
/// header fields it refuses to put on the wire rather than let a value start a new line.
@Suite struct HTTPRequestBytesTests {
    func text(_ encoded: HTTPRequestBytes.Encoded) -> String {
        String(decoding: encoded.bytes.readableBytesView, as: UTF8.self)
    }

    @Test func aPostIsItsRequestLineHostFieldsLengthAndBody() throws {
        let encoded = try HTTPRequestBytes.encode(
            .POST, uri: "/hook?x=1", host: "127.0.0.1:8080", headers: [("Idempotency-Key", "i1/warn/c1/crm"), ("Content-Type", "application/json")],
            userAgent: "playbook/0.1", body: Array(#"{"ok":true}"#.utf8))
        #expect(
            text(encoded)
                == "POST /hook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nIdempotency-Key: i1/warn/c1/crm\r\nContent-Type: application/json\r\n"
                + "User-Agent: playbook/0.1\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
        #expect(encoded.keepsAlive)
    }

    @Test func theClientFramesTheBodyAndNamesTheHostItself() throws {
        let encoded = try HTTPRequestBytes.encode(
            .POST, uri: "/", host: "example.com",
            headers: [("host", "elsewhere"), ("Content-Length", "99"), ("transfer-encoding", "chunked"), ("user-agent", "shop/2")],
            userAgent: "playbook/0.1", body: nil)
        #expect(text(encoded) == "POST / HTTP/1.1\r\nHost: example.com\r\nuser-agent: shop/2\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func aGetWithoutBodyHasNoLength() throws {
        let encoded = try HTTPRequestBytes.encode(.GET, uri: "/status", host: "example.com", headers: [], userAgent: "playbook/0.1", body: nil)
        #expect(text(encoded) == "GET /status HTTP/1.1\r\nHost: example.com\r\nUser-Agent: playbook/0.1\r\n\r\n")
    }

    @Test func connectionCloseIsHeard() throws {
        let encoded = try HTTPRequestBytes.encode(
            .POST, uri: "/", host: "h", headers: [("Connection", "Keep-Alive, Close")], userAgent: "u", body: nil)
        #expect(!encoded.keepsAlive)
    }

    @Test(arguments: [
        ("X-Token", "abc\r\nX-Admin: yes"), ("X-Token", "abc\ndef"), ("X-Token", "a\u{0}b"), ("X-Token", "a\u{7F}"), ("X Token", "v"), ("", "v"),
        ("X-Tok:en", "v"),
    ])
    func aFieldThatCouldBreakTheRequestIsRefused(name: String, value: String) {
        #expect(throws: KeepAliveFailure.self) {
            try HTTPRequestBytes.encode(.POST, uri: "/", host: "h", headers: [(name, value)], userAgent: "u", body: nil)
        }
    }

    @Test func tabsAndNonASCIITextAreFieldContent() throws {
        let encoded = try HTTPRequestBytes.encode(.POST, uri: "/", host: "h", headers: [("X-Shop", "Caffè\tRoma")], userAgent: "u", body: nil)
        #expect(text(encoded).contains("X-Shop: Caffè\tRoma\r\n"))
    }

    @Test func theRefusalNamesTheFieldButNeverItsValue() {
        let failure = KeepAliveFailure.invalidField(name: "X-Token\r\n")
        #expect(failure.description.hasPrefix("the header field 'X-Token??' cannot be sent"))
    }
}
