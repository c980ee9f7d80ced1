import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

@testable import PlaybookChannels

/// The registry builds the smtp and calendar adapters from a playbook's channels: fields,
/// `${env.X}`, relative paths, and the extra trust roots of PLAYBOOK_SMTP_CA_FILE.
@Suite(.serialized)
struct LocalProvidersTests {
    func load(_ yaml: String, in directory: URL) throws -> Playbook {
        let path = directory.appendingPathComponent("playbook.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try PlaybookLoader.load(path: path)
        #expect(result.isValid, "\(result.diagnostics.map { "\($0.location): \($0.message)" })")
        return try #require(result.playbook)
    }

    func playbook(port: Int, security: String, calendar: String = "content/calendar.csv", in directory: URL) throws -> Playbook {
        try load(
            """
            version: 1
            playbook: local-providers
            timezone: Europe/Rome
            triggers:
              - id: by-hand
                manual: {}
            channels:
              mail:
                type: smtp
                host: localhost
                port: \(port)
                security: \(security)
                username: "${env.SMTP_USER}"
                password: "${env.SMTP_PASSWORD}"
                from: "Example Shop <hello@shop.example.com>"
                list_unsubscribe: "mailto:unsubscribe@shop.example.com"
              calendar: { type: calendar, path: \(calendar) }
            steps:
              - id: note
                log: { message: hello }
            """, in: directory)
    }

    func temporaryDirectory() throws -> URL {
        let directory = TestScratch.root.appendingPathComponent("providers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("content"), withIntermediateDirectories: true)
        return directory
    }

    @Test func smtpChannelFromThePlaybookSendsAndQuits() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: true)
        defer { server.stop() }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let playbook = try playbook(port: server.port, security: "starttls", in: directory)
        let environment = [
            "SMTP_USER": SMTPTestServer.user, "SMTP_PASSWORD": SMTPTestServer.password,
            LiveChannels.smtpTrustRootsVariable: try #require(server.certificate).certificatePath,
        ]
        try await LiveChannels.with(playbook: playbook, environment: environment) { channels in
            let mail = try await channels.messageChannel("mail")
            _ = try await mail.send(
                OutboundMessage(
                    playbook: "local-providers", incident: "i1", step: "warn", action: "notify", idempotencyKey: "k1",
                    address: "ada@example.com", subject: "Hi", text: "Hello"))
        }
        let message = try #require(try server.messages().first)
        #expect(message.tls && message.auth == SMTPTestServer.user)
        #expect(message.header("List-Unsubscribe") == "<mailto:unsubscribe@shop.example.com>")
        #expect(await server.waitForEvent { $0 == "1 QUIT" }, "LiveChannels.with ends the session")
    }

    @Test func withoutTheTestCATheCertificateIsRefused() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: true)
        defer { server.stop() }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let playbook = try playbook(port: server.port, security: "starttls", in: directory)
        let environment = ["SMTP_USER": SMTPTestServer.user, "SMTP_PASSWORD": SMTPTestServer.password]
        let channels = LiveChannels(playbook: playbook, environment: environment, client: .shared)
        let mail = try await channels.messageChannel("mail")
        await #expect(throws: ChannelFailure.self) {
            _ = try await mail.send(
                OutboundMessage(
                    playbook: "p", incident: "i", step: "s", action: "notify", idempotencyKey: "k",
                    address: "ada@example.com", text: "Hello"))
        }
        await channels.closeConnections()
        #expect(try server.messages().isEmpty)
    }

    @Test func anUnsetPasswordVariableFailsTheChannelByName() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let playbook = try playbook(port: 2525, security: "none", in: directory)
        let channels = LiveChannels(playbook: playbook, environment: ["SMTP_USER": "u"], client: .shared)
        do {
            _ = try await channels.messageChannel("mail")
            Issue.record("expected a failure")
        } catch {
            #expect(!error.isRetryable)
            #expect(error.message.contains("SMTP_PASSWORD"), "\(error.message)")
        }
    }

    @Test func calendarPathIsRelativeToThePlaybookAndTimesToItsTimezone() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = "id,network,scheduled_at,text,status\np1,instagram,2021-10-04T20:00,Reel,scheduled\n"
        try csv.write(to: directory.appendingPathComponent("content/calendar.csv"), atomically: true, encoding: .utf8)
        let playbook = try playbook(port: 2525, security: "none", in: directory)
        let channels = LiveChannels(playbook: playbook, environment: [:], client: .shared)
        let calendar = try await channels.calendarChannel("calendar")
        let now = Date(timeIntervalSince1970: 1_633_362_000)  // 15:40 UTC, 17:40 in Rome
        let moves = try await calendar.movesToReschedule(networks: ["instagram"], window: 3 * 3600, shift: 86400, now: now)
        #expect(moves.map(\.postID) == ["p1"])
        #expect(moves.first?.from == ISO8601DateFormatter().date(from: "2021-10-04T18:00:00Z"))
        try await calendar.apply(moves)
        #expect(
            try String(contentsOf: directory.appendingPathComponent("content/calendar.csv"), encoding: .utf8)
                == "id,network,scheduled_at,text,status\np1,instagram,2021-10-05T20:00,Reel,scheduled\n")
    }

    @Test func channelsCheckLogsInOffersTheSenderAndSendsNothing() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls, auth: true)
        defer { server.stop() }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "id,network,scheduled_at,text,status\np1,instagram,2021-10-04T20:00,Reel,scheduled\np2,x,,Draft,draft\n"
            .write(to: directory.appendingPathComponent("content/calendar.csv"), atomically: true, encoding: .utf8)
        let playbook = try playbook(port: server.port, security: "starttls", in: directory)
        let ca = try #require(server.certificate).certificatePath
        let good = ["SMTP_USER": SMTPTestServer.user, "SMTP_PASSWORD": SMTPTestServer.password, LiveChannels.smtpTrustRootsVariable: ca]
        let outcomes = try await LiveChannels.with(playbook: playbook, environment: good) { live in
            [await live.check("mail"), await live.check("calendar")]
        }
        #expect(outcomes[0] == .ok("localhost:\(server.port) accepts hello@shop.example.com as sender over STARTTLS, with AUTH"))
        #expect(outcomes[1] == .ok("1 scheduled post in \(directory.appendingPathComponent("content/calendar.csv").path) (instagram 1)"))
        #expect(try server.messages().isEmpty)
        #expect(server.events().contains("1 RSET") && server.events().contains("1 QUIT"))

        let password = "N0t-the-Password"
        let bad = try await LiveChannels.with(playbook: playbook, environment: good.merging(["SMTP_PASSWORD": password]) { $1 }) { live in
            await live.check("mail")
        }
        guard case .failed(let message) = bad else {
            Issue.record("expected a failure, got \(bad)")
            return
        }
        #expect(message.contains("535") && !message.contains(password), "\(message)")
    }
}
