import Foundation
import NIOSSL
import PlaybookCore
import PlaybookEngine

/// An adapter that keeps connections open between calls, closed when the run ends.
protocol ConnectionHoldingChannel: Sendable {
    func close() async
}

extension SMTPChannel: ConnectionHoldingChannel {}

extension LiveChannels {
    /// Extra PEM trust roots for the smtp channels' TLS, besides the system's: for a relay with
    /// a private CA, and for tests with a self-signed certificate. Verification stays on.
    static let smtpTrustRootsVariable = "PLAYBOOK_SMTP_CA_FILE"

    /// The adapters that are not HTTP APIs (smtp, calendar); nil for other types.
    func makeLocalProvider(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> (any Sendable)? {
        switch channel.type {
        case .smtp: return try makeSMTP(channel)
        case .calendar: return try makeCalendar(channel)
        default: return nil
        }
    }

    private func makeSMTP(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> SMTPChannel {
        let id = channel.id.value
        func invalid(_ text: String) -> ChannelFailure { .permanent("smtp channel '\(id)': \(text)") }
        guard let host = try value(channel, "host")?.trimmingCharacters(in: .whitespaces), !host.isEmpty else { throw invalid("no 'host'") }
        let securityText = try value(channel, "security")?.trimmingCharacters(in: .whitespaces).lowercased() ?? "starttls"
        guard let security = SMTPSecurity(rawValue: securityText) else { throw invalid("'security' must be starttls, tls or none") }
        var port = security.defaultPort
        if let text = try value(channel, "port")?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let number = Int(text), (1...65535).contains(number) else { throw invalid("'port' must be a number from 1 to 65535") }
            port = number
        }
        let username = try value(channel, "username")
        let password = try value(channel, "password")
        var credentials: SMTPConfiguration.Credentials?
        switch (username, password) {
        case (let user?, let pass?) where !user.isEmpty: credentials = .init(username: user, password: pass)
        case (nil, nil): break
        default: throw invalid("AUTH needs both 'username' and 'password', or neither")
        }
        guard let fromText = try value(channel, "from") else { throw invalid("no 'from'") }
        let from: MailAddress
        do { from = try MailAddress(parsing: fromText) } catch { throw invalid("'from': \(error.description)") }
        var tlsContext: NIOSSLContext?
        if security != .none {
            let caFile = environment[Self.smtpTrustRootsVariable]
            do {
                tlsContext = try SMTPConfiguration.tlsContext(extraTrustRootsFile: caFile)
            } catch {
                throw invalid("cannot set up TLS\(caFile.map { " with the trust roots of \(Self.smtpTrustRootsVariable)=\($0)" } ?? ""): \(error)")
            }
        }
        let configuration = SMTPConfiguration(host: host, port: port, security: security, credentials: credentials, tlsContext: tlsContext)
        return SMTPChannel(
            name: id, configuration: configuration, from: from,
            listUnsubscribe: SMTPChannel.unsubscribeTargets(try value(channel, "list_unsubscribe")),
            maxConnections: min(max(channel.concurrency, 1), 4), secrets: secrets)
    }

    private func makeCalendar(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> CSVCalendar {
        let id = channel.id.value
        guard let path = try value(channel, "path"), !path.isEmpty else { throw .permanent("calendar channel '\(id)': no 'path'") }
        let resolved = path.hasPrefix("/") ? path : (playbook.directory as NSString).appendingPathComponent(path)
        guard let zone = TimeZone(identifier: playbook.timezoneIdentifier) else {
            throw .permanent("calendar channel '\(id)': unknown timezone '\(playbook.timezoneIdentifier)'")
        }
        return CSVCalendar(name: id, path: resolved, timeZone: zone)
    }
}
