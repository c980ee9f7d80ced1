import Foundation
import PlaybookCore
import PlaybookEngine
import Testing

@testable import PlaybookChannels

/// The smtp channel against a real SMTP server (aiosmtpd), checking what the server received
/// byte for byte and as a mail reader parses it.
@Suite(.serialized)
struct SMTPChannelTests {
    /// 2021-10-04 15:40 UTC, a Monday: the outage.
    static let now = Date(timeIntervalSince1970: 1_633_362_000)
    static let from = "Example Shop <hello@shop.example.com>"

    func channel(
        _ server: SMTPTestServer, security: SMTPSecurity = .none, host: String = "127.0.0.1", auth: Bool = false,
        password: String = SMTPTestServer.password, trustTestCertificate: Bool = true, listUnsubscribe: String? = nil,
        maxConnections: Int = 2
    ) throws -> SMTPChannel {
        let tls =
            security == .none ? nil : try SMTPConfiguration.tlsContext(extraTrustRootsFile: trustTestCertificate ? server.certificate?.certificatePath : nil)
        let configuration = SMTPConfiguration(
            host: host, port: server.port, security: security,
            credentials: auth ? .init(username: SMTPTestServer.user, password: password) : nil, tlsContext: tls,
            replyTimeout: .seconds(20))
        return SMTPChannel(
            name: "mail", configuration: configuration, from: try MailAddress(parsing: Self.from),
            listUnsubscribe: SMTPChannel.unsubscribeTargets(listUnsubscribe), maxConnections: maxConnections, clock: { Self.now })
    }

    func message(
        to address: String, name: String = "Ada Lovelace", subject: String = "We're still open", text: String = "Hi Ada,\nwe are open.\n",
        html: String? = nil, key: String = UUID().uuidString
    ) -> OutboundMessage {
        OutboundMessage(
            playbook: "meta-outage", incident: "i1", step: "warn", action: "notify", idempotencyKey: key,
            contact: Contact(id: "c1", name: name, email: address, consentEmail: true), address: address,
            subject: subject, text: text, html: html)
    }

    /// The ChannelFailure that `body` throws; nil (failing the test) when it succeeds.
    func failure(_ body: () async throws -> DeliveryReceipt, sourceLocation: Testing.SourceLocation = #_sourceLocation) async -> ChannelFailure? {
        do {
            _ = try await body()
            Issue.record("expected a failure", sourceLocation: sourceLocation)
            return nil
        } catch let error as ChannelFailure {
            return error
        } catch {
            Issue.record("not a ChannelFailure: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    // MARK: Transport

    @Test func plainDeliveryHasExactHeadersAndEnvelope() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        let receipt = try await smtp.send(message(to: "ada@example.com", key: "i1/warn/c1/mail"))
        await smtp.close()

        let messages = try server.messages()
        try #require(messages.count == 1)
        let mail = messages[0]
        let id = MailMessage.messageID(idempotencyKey: "i1/warn/c1/mail", domain: "shop.example.com")
        #expect(id.range(of: "^[0-9a-f]{32}@shop\\.example\\.com$", options: .regularExpression) != nil)
        #expect(receipt.providerID == "<\(id)>")
        #expect(mail.mailFrom == "hello@shop.example.com")
        #expect(mail.recipients == ["ada@example.com"])
        #expect(mail.mailOptions == ["SIZE=\(mail.raw.count)"])
        #expect(
            mail.rawHeaderLines == [
                "From: Example Shop <hello@shop.example.com>",
                "To: Ada Lovelace <ada@example.com>",
                "Subject: We're still open",
                "Date: Mon, 04 Oct 2021 15:40:00 +0000",
                "Message-ID: <\(id)>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 7bit",
            ])
        #expect(mail.rawText.hasSuffix("\r\n\r\nHi Ada,\r\nwe are open.\r\n"))
        #expect(!mail.rawText.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends with CRLF")
        #expect(mail.defects.isEmpty)
        #expect(mail.parts.count == 1)
        #expect(mail.parts.first?["content"] as? String == "Hi Ada,\nwe are open.\n")
        #expect(await server.waitForEvent { $0 == "1 QUIT" }, "close() says QUIT")
    }

    @Test func startTLSWithAuthPlain() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: true)
        defer { server.stop() }
        // "localhost": the certificate's DNS name is checked.
        let smtp = try channel(server, security: .starttls, host: "localhost", auth: true)
        _ = try await smtp.send(message(to: "ada@example.com"))
        await smtp.close()
        let mail = try #require(try server.messages().first)
        #expect(mail.tls)
        #expect(mail.auth == SMTPTestServer.user)
        #expect(mail.recipients == ["ada@example.com"])
    }

    @Test func implicitTLSWithAuthLogin() async throws {
        let server = try await SMTPTestServer.start(mode: .tls, auth: true, mechanisms: "LOGIN")
        defer { server.stop() }
        // An IP address: the certificate's IP entry is checked.
        let smtp = try channel(server, security: .tls, auth: true)
        _ = try await smtp.send(message(to: "ada@example.com"))
        await smtp.close()
        let mail = try #require(try server.messages().first)
        #expect(mail.tls)
        #expect(mail.auth == SMTPTestServer.user)
    }

    @Test func wrongPasswordIsPermanentAndNeverShown() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: true)
        defer { server.stop() }
        let password = "Wr0ng-Secret-77"
        let smtp = try channel(server, security: .starttls, host: "localhost", auth: true, password: password)
        let failure = try #require(await failure { try await smtp.send(message(to: "ada@example.com")) })
        await smtp.close()
        #expect(!failure.isRetryable)
        #expect(failure.message.contains("535"), "\(failure.message)")
        for form in [password, Data(password.utf8).base64EncodedString(), Data("\0\(SMTPTestServer.user)\0\(password)".utf8).base64EncodedString()] {
            #expect(!failure.message.contains(form), "the password leaked: \(failure.message)")
        }
        #expect(try server.messages().isEmpty)
    }

    @Test func authLoginWrongPasswordIsPermanentToo() async throws {
        let server = try await SMTPTestServer.start(mode: .tls, auth: true, mechanisms: "LOGIN")
        defer { server.stop() }
        let password = "An0ther-Wrong-One"
        let smtp = try channel(server, security: .tls, auth: true, password: password)
        let failure = try #require(await failure { try await smtp.send(message(to: "ada@example.com")) })
        await smtp.close()
        #expect(!failure.isRetryable)
        #expect(!failure.message.contains(password) && !failure.message.contains(Data(password.utf8).base64EncodedString()))
    }

    @Test func untrustedCertificateIsRefused() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        defer { server.stop() }
        let smtp = try channel(server, security: .starttls, host: "localhost", trustTestCertificate: false)
        let failure = try #require(await failure { try await smtp.send(message(to: "ada@example.com")) })
        await smtp.close()
        #expect(!failure.isRetryable)
        #expect(failure.message.contains("TLS"), "\(failure.message)")
        #expect(try server.messages().isEmpty)
    }

    @Test func startTLSRequiredButNotOffered() async throws {
        let server = try await SMTPTestServer.start(mode: .plain)
        defer { server.stop() }
        let smtp = try channel(server, security: .starttls, host: "localhost")
        let failure = try #require(await failure { try await smtp.send(message(to: "ada@example.com")) })
        await smtp.close()
        #expect(!failure.isRetryable)
        #expect(failure.message.contains("STARTTLS"), "\(failure.message)")
        #expect(try server.messages().isEmpty)
    }

    @Test func refusedRecipientFailsOnlyItsDelivery() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        let failure = try #require(await failure { try await smtp.send(message(to: "reject-me@example.com")) })
        #expect(!failure.isRetryable)
        #expect(failure.message.contains("550"), "\(failure.message)")
        #expect(failure.message.contains("reject-me@example.com"), "\(failure.message)")
        _ = try await smtp.send(message(to: "ok@example.com"))
        await smtp.close()

        let messages = try server.messages()
        #expect(messages.map(\.recipients) == [["ok@example.com"]])
        #expect(server.connectionCount == 1, "the next delivery used the same connection: \(server.events())")
        #expect(server.events().contains("1 RSET"))
    }

    @Test func temporarilyRefusedRecipientIsRetryable() async throws {
        let server = try await SMTPTestServer.start(pipelining: false)
        defer { server.stop() }
        let smtp = try channel(server)
        let failure = try #require(await failure { try await smtp.send(message(to: "later@example.com")) })
        #expect(failure.isRetryable)
        #expect(failure.message.contains("451"), "\(failure.message)")
        _ = try await smtp.send(message(to: "ok@example.com"))
        await smtp.close()
        #expect(try server.messages().map(\.recipients) == [["ok@example.com"]])
        #expect(server.connectionCount == 1)
    }

    @Test func unreachableServerIsRetryable() async throws {
        let server = try await SMTPTestServer.start()
        let port = server.port
        server.stop()
        let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .none, connectTimeout: .seconds(5))
        let smtp = SMTPChannel(name: "mail", configuration: configuration, from: try MailAddress(parsing: Self.from))
        let failure = try #require(await failure { try await smtp.send(message(to: "ada@example.com")) })
        #expect(failure.isRetryable)
        #expect(failure.message.contains("cannot connect to 127.0.0.1:\(port): connection refused: nothing listens on that port"), "\(failure.message)")
    }

    @Test(arguments: ["not an address", "a@b@c", "ada@example.com\r\nBcc: x@y", "zoë@example.com", ""])
    func malformedRecipientIsPermanentWithoutConnecting(_ address: String) async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        let failure = try #require(await failure { try await smtp.send(message(to: address)) })
        #expect(!failure.isRetryable)
        #expect(server.connectionCount == 0)
    }

    // MARK: Reuse

    @Test func deliveriesShareOneConnectionWithPipelining() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        for i in 1...5 { _ = try await smtp.send(message(to: "fan\(i)@example.com")) }
        await smtp.close()

        let messages = try server.messages()
        #expect(messages.map(\.recipients) == (1...5).map { ["fan\($0)@example.com"] })
        #expect(Set(messages.map(\.connection)) == [1])
        #expect(server.connectionCount == 1)
        let events = server.events()
        #expect(events.filter { $0 == "1 RSET" }.count == 4, "RSET between messages: \(events)")
        let mails = events.filter { $0.contains(" MAIL ") }
        #expect(mails.count == 5)
        #expect(mails.allSatisfy { !$0.hasSuffix("buffered=0") }, "RCPT and DATA came with MAIL: \(mails)")
        #expect(await server.waitForEvent { $0 == "1 QUIT" })
    }

    @Test func withoutPipeliningCommandsGoOneByOne() async throws {
        let server = try await SMTPTestServer.start(pipelining: false)
        defer { server.stop() }
        let smtp = try channel(server)
        for i in 1...2 { _ = try await smtp.send(message(to: "fan\(i)@example.com")) }
        await smtp.close()
        #expect(try server.messages().count == 2)
        #expect(server.events().filter { $0.contains(" MAIL ") } == ["1 MAIL buffered=0", "1 MAIL buffered=0"])
    }

    @Test func reconnectsWhenTheServerClosesTheConnection() async throws {
        let server = try await SMTPTestServer.start(closeAfter: 1)
        defer { server.stop() }
        let smtp = try channel(server)
        for i in 1...3 {
            _ = try await smtp.send(message(to: "fan\(i)@example.com"))
            try await Task.sleep(for: .milliseconds(200))
        }
        await smtp.close()
        let messages = try server.messages()
        #expect(messages.count == 3)
        #expect(messages.map(\.connection) == [1, 2, 3])
    }

    @Test func concurrentDeliveriesUseAtMostThePoolSize() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server, maxConnections: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 1...8 {
                let outbound = message(to: "fan\(i)@example.com")
                group.addTask { _ = try await smtp.send(outbound) }
            }
            try await group.waitForAll()
        }
        await smtp.close()
        #expect(try server.messages().count == 8)
        #expect((1...2).contains(server.connectionCount))
    }

    // MARK: Message

    @Test func dotStuffingKeepsLinesThatStartWithADot() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        let text = "Line one\n.hidden line\n..two dots\n.\nafter a lone dot\n."
        _ = try await smtp.send(message(to: "ada@example.com", text: text))
        await smtp.close()
        let mail = try #require(try server.messages().first)
        #expect(mail.rawText.hasSuffix("\r\n\r\nLine one\r\n.hidden line\r\n..two dots\r\n.\r\nafter a lone dot\r\n.\r\n"))
        #expect(mail.parts.first?["content"] as? String == text + "\n")
    }

    @Test func nonASCIISubjectAndBodyAreEncoded() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        let subject = "Siamo aperti — Instagram è giù, ma il negozio no ✓ Zoë, ordina da noi oggi stesso"
        let text = "Ciao Zoë,\nil negozio è aperto: https://shop.example.com ✓\n"
        _ = try await smtp.send(message(to: "zoe@example.com", name: "Zoë Müller", subject: subject, text: text))
        let japanese = "こんにちは。インスタグラムは落ちていますが、私たちの店は開いています。\n"
        _ = try await smtp.send(message(to: "ken@example.com", name: "Ken", subject: "お知らせ", text: japanese))
        await smtp.close()

        let messages = try server.messages()
        try #require(messages.count == 2)
        let mail = messages[0]
        let subjectLines = mail.rawHeaderLines.drop { !$0.hasPrefix("Subject: ") }.prefix { $0.hasPrefix("Subject: ") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 1, "a long subject is folded")
        #expect(subjectLines.allSatisfy { $0.count <= 78 && $0.unicodeScalars.allSatisfy(\.isASCII) })
        #expect(subjectLines.first?.hasPrefix("Subject: =?utf-8?B?") == true)
        #expect(mail.header("Subject") == subject)
        #expect(mail.header("To") == "Zoë Müller <zoe@example.com>")
        #expect(mail.rawHeaderLines.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(mail.raw.allSatisfy { $0 < 0x80 }, "the message is 7-bit")
        #expect(mail.parts.first?["content"] as? String == text)
        #expect(mail.parts.first?["charset"] as? String == "utf-8")
        #expect(mail.defects.isEmpty)

        let other = messages[1]
        #expect(other.rawHeaderLines.contains("Content-Transfer-Encoding: base64"))
        #expect(other.header("Subject") == "お知らせ")
        #expect(other.parts.first?["content"] as? String == japanese)
    }

    @Test func htmlGoesInAMultipartAlternative() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        let html = "<p>Hi Ada, we are <b>open</b> — <a href=\"https://shop.example.com\">shop now</a>.</p>\n"
        _ = try await smtp.send(message(to: "ada@example.com", html: html, key: "k-html"))
        await smtp.close()
        let mail = try #require(try server.messages().first)
        let boundary = "=_playbook_" + MailMessage.messageID(idempotencyKey: "k-html", domain: "shop.example.com").prefix(24)
        #expect(mail.rawHeaderLines.last == "Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        #expect(mail.parsed["content_type"] as? String == "multipart/alternative")
        #expect(mail.parts.map { $0["content_type"] as? String } == ["text/plain", "text/html"])
        #expect(mail.parts[0]["content"] as? String == "Hi Ada,\nwe are open.\n")
        #expect(mail.parts[1]["content"] as? String == html)
        #expect(mail.parts[1]["transfer_encoding"] as? String == "quoted-printable")
        #expect(mail.rawText.hasSuffix("--\(boundary)--\r\n"))
        #expect(mail.defects.isEmpty)
    }

    @Test func listUnsubscribeWithOneClick() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server, listUnsubscribe: "https://shop.example.com/unsubscribe?c={{ contact.id }}, mailto:unsubscribe@shop.example.com")
        _ = try await smtp.send(message(to: "ada@example.com"))
        let mailtoOnly = try channel(server, listUnsubscribe: "<mailto:unsubscribe@shop.example.com>")
        _ = try await mailtoOnly.send(message(to: "bob@example.com"))
        await smtp.close()
        await mailtoOnly.close()

        let messages = try server.messages()
        try #require(messages.count == 2)
        let text = messages[0].rawText
        #expect(text.contains("\r\nList-Unsubscribe: <https://shop.example.com/unsubscribe?c=c1>,\r\n <mailto:unsubscribe@shop.example.com>\r\n"))
        #expect(text.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(messages[0].header("List-Unsubscribe") == "<https://shop.example.com/unsubscribe?c=c1>, <mailto:unsubscribe@shop.example.com>")
        // RFC 8058 one-click needs an HTTPS target: a mailto alone gets no List-Unsubscribe-Post.
        #expect(messages[1].header("List-Unsubscribe") == "<mailto:unsubscribe@shop.example.com>")
        #expect(messages[1].header("List-Unsubscribe-Post") == nil)
    }

    @Test func aRetriedDeliveryKeepsItsMessageID() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = try channel(server)
        _ = try await smtp.send(message(to: "ada@example.com", key: "i1/warn/c1/mail"))
        _ = try await smtp.send(message(to: "ada@example.com", key: "i1/warn/c1/mail"))
        _ = try await smtp.send(message(to: "ada@example.com", key: "i1/warn/c2/mail"))
        await smtp.close()
        let ids = try server.messages().map { $0.header("Message-ID") }
        #expect(ids.count == 3)
        #expect(ids[0] == ids[1])
        #expect(ids[0] != ids[2])
    }
}
