import PlaybookEngine

extension SMTPChannel: ChannelCheck {
    /// Opens a session of its own (TLS and AUTH as configured), offers the sender in MAIL FROM,
    /// then RSET and QUIT: no recipient, no message.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        do throws(SMTPError) {
            let connection = try await SMTPConnection.open(configuration)
            do throws(SMTPError) {
                let mail = try await connection.command("MAIL FROM:<\(sender.address)>")
                guard mail.isCompletion else { throw SMTPError.refused(mail, stage: "the sender <\(sender.address)>") }
                try await connection.reset()
            } catch {
                await connection.quit()
                throw error
            }
            await connection.quit()
            let security: String
            switch configuration.security {
            case .starttls: security = "over STARTTLS"
            case .tls: security = "over TLS"
            case .none: security = "without encryption"
            }
            let login = configuration.credentials == nil ? "without AUTH" : "with AUTH"
            return .ok("\(configuration.server) accepts \(sender.address) as sender \(security), \(login)")
        } catch {
            throw redacted(error.failure(channel: name, server: configuration.server))
        }
    }
}
