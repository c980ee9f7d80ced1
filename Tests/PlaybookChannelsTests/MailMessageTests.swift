import Foundation
import NIOCore
import Testing

@testable import PlaybookChannels

/// The pieces of the smtp channel that need no server: MIME encodings, DATA framing, replies.
struct MailMessageTests {
    @Test func quotedPrintableEncodesWhatMustBeAndBreaksLongLines() {
        let encoded = String(decoding: MIMEEncoding.quotedPrintable(MIMEEncoding.crlf("Café = ok \nend\t")), as: UTF8.self)
        #expect(encoded == "Caf=C3=A9 =3D ok=20\r\nend=09")

        let long = String(repeating: "é", count: 60) + " " + String(repeating: "a", count: 200)
        let lines = String(decoding: MIMEEncoding.quotedPrintable(MIMEEncoding.crlf(long)), as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.count > 3)
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") }, "soft breaks")
        #expect(!lines.contains { $0.range(of: "=[0-9A-F]?$", options: .regularExpression) != nil && !$0.hasSuffix("=") }, "no escape cut in two")
    }

    @Test func transferEncodingIsTheLightestThatKeepsMailSevenBit() {
        #expect(MIMEEncoding.transferEncoding(for: Array("plain\r\ntext".utf8)) == .sevenBit)
        #expect(MIMEEncoding.transferEncoding(for: Array("un caffè".utf8)) == .quotedPrintable)
        #expect(MIMEEncoding.transferEncoding(for: Array("こんにちは".utf8)) == .base64)
        #expect(MIMEEncoding.transferEncoding(for: Array(String(repeating: "a", count: 1200).utf8)) == .quotedPrintable)
        #expect(MIMEEncoding.transferEncoding(for: Array("--=_b\r\n".utf8), avoid: "=_b") == .quotedPrintable)
    }

    @Test(arguments: ["Siamo aperti — ordina ora ✓", String(repeating: "Zoë ✓ ", count: 30) + "fine", "👩‍👩‍👧‍👦 family day 🇮🇹"])
    func encodedWordsAreShortAndDecodeBack(_ text: String) throws {
        let header = "Subject: " + MIMEEncoding.unstructured(text, prefixLength: 9)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 78 && $0.unicodeScalars.allSatisfy(\.isASCII) }, "\(lines)")
        var decoded: [UInt8] = []
        for word in header.dropFirst(9).split(whereSeparator: \.isWhitespace) {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
            decoded += try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
        }
        #expect(String(decoding: decoded, as: UTF8.self) == text)
    }

    @Test func headerValuesCannotAddHeaders() {
        #expect(MIMEEncoding.unstructured("Hi\r\nBcc: everyone@example.com", prefixLength: 9) == "Hi  Bcc: everyone@example.com")
        #expect(MIMEEncoding.phrase("Shop, Inc.", prefixLength: 6) == "\"Shop, Inc.\"")
        #expect(MIMEEncoding.phrase("Say \"hi\"", prefixLength: 6) == "\"Say \\\"hi\\\"\"")
        #expect(MIMEEncoding.fold(String(repeating: "word ", count: 30), prefixLength: 9).components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 - 9 + 9 })
    }

    @Test func dateIsRFC5322InUTC() {
        #expect(MIMEEncoding.date(Date(timeIntervalSince1970: 1_633_362_000)) == "Mon, 04 Oct 2021 15:40:00 +0000")
        #expect(MIMEEncoding.date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }

    @Test func dataIsDotStuffedWithCRLFAndTerminated() {
        func data(_ text: String) -> String {
            var buffer = SMTPConnection.dataBytes(Array(text.utf8))
            return buffer.readString(length: buffer.readableBytes) ?? ""
        }
        #expect(data("a\r\n.b\r\n.\r\n") == "a\r\n..b\r\n..\r\n.\r\n")
        #expect(data(".first\nbare LF\rlone CR\r\n") == "..first\r\nbare LF\r\nlone CR\r\n.\r\n")
        #expect(data("no final newline") == "no final newline\r\n.\r\n")
        #expect(data("") == ".\r\n")
    }

    @Test func addressesAreReadAndChecked() throws {
        #expect(
            try MailAddress(parsing: "Example Shop <hello@shop.example.com>") == MailAddress(displayName: "Example Shop", address: "hello@shop.example.com"))
        #expect(try MailAddress(parsing: "\"Shop, Inc.\" <a@b.c>") == MailAddress(displayName: "Shop, Inc.", address: "a@b.c"))
        #expect(try MailAddress(parsing: " <a@b.c> ") == MailAddress(displayName: nil, address: "a@b.c"))
        #expect(try MailAddress(parsing: "a@b.c").domain == "b.c")
        for bad in ["", "a", "@b.c", "a@", "a b@c.d", "a@b@c", "ä@b.c", "<a@b.c>x", "Name <a@b.c"] {
            #expect(throws: MailAddress.Problem.self, "\(bad)") { try MailAddress(parsing: bad) }
        }
        #expect(MailAddress(displayName: "Zoë", address: "z@e.x").headerValue(prefixLength: 4) == "=?utf-8?B?Wm/Dqw==?= <z@e.x>")
    }

    @Test func capabilitiesAreReadFromEHLO() {
        let reply = SMTPReply(
            code: 250,
            lines: [
                "mx.test greets you", "PIPELINING", "SIZE 35882577", "8BITMIME", "AUTH PLAIN LOGIN XOAUTH2", "auth=login", "STARTTLS", "ENHANCEDSTATUSCODES",
            ])
        let capabilities = SMTPCapabilities(ehlo: reply)
        #expect(capabilities.pipelining && capabilities.startTLS && capabilities.eightBitMIME && capabilities.enhancedStatusCodes)
        #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN", "XOAUTH2"])
        #expect(capabilities.maxSize == 35_882_577 && capabilities.sizeExtension)
        #expect(!capabilities.smtpUTF8)
        #expect(SMTPCapabilities(ehlo: SMTPReply(code: 250, lines: ["mx", "SIZE 0"])).maxSize == nil)
    }

    @Test func failuresAreClassified() {
        func failure(_ code: Int) -> ChannelFailureKind {
            SMTPError.refused(SMTPReply(code: code, lines: ["5.1.1 nope\u{7}"]), stage: "RCPT").failure(channel: "m", server: "h:25").isRetryable
                ? .retryable : .permanent
        }
        #expect(failure(550) == .permanent)
        #expect(failure(451) == .retryable)
        #expect(failure(421) == .retryable)
        #expect(SMTPError.connectionLost.failure(channel: "m", server: "h:25").isRetryable)
        #expect(SMTPError.timeout.failure(channel: "m", server: "h:25").isRetryable)
        #expect(!SMTPError.tls("x").failure(channel: "m", server: "h:25").isRetryable)
        #expect(SMTPReply(code: 550, lines: ["5.1.1 <a@b>:", "no such user\u{1B}[31m"]).summary == "550 5.1.1 <a@b>: no such user [31m")
    }

    enum ChannelFailureKind { case retryable, permanent }

    @Test func messagesWithoutHTMLAreSinglePart() {
        let message = MailMessage(
            from: MailAddress(displayName: nil, address: "a@b.c"), to: MailAddress(displayName: nil, address: "d@e.f"),
            subject: "", text: "x", html: nil, date: Date(timeIntervalSince1970: 0), messageID: "1@b.c")
        let text = String(decoding: message.rendered(), as: UTF8.self)
        #expect(
            text == "From: a@b.c\r\nTo: d@e.f\r\nSubject: \r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\nMessage-ID: <1@b.c>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nx\r\n")
    }
}
