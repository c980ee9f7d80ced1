import Foundation

extension SMTPConnection {
    /// The SASL mechanisms this client speaks, most preferred first. Both send the password as
    /// it is, so they are used only inside TLS unless the channel says `security: none`.
    static let authMechanisms = ["PLAIN", "LOGIN"]

    /// AUTH (RFC 4954) with the first mechanism both sides know. Error messages name the
    /// mechanism and quote the server's reply, never the user name or password.
    func authenticate(_ credentials: SMTPConfiguration.Credentials) async throws(SMTPError) {
        guard !capabilities.authMechanisms.isEmpty else {
            throw SMTPError.unsupported("does not offer AUTH, but the channel has a username and password")
        }
        guard let mechanism = Self.authMechanisms.first(where: capabilities.authMechanisms.contains) else {
            let offered = capabilities.authMechanisms.sorted().joined(separator: ", ")
            throw SMTPError.unsupported("offers AUTH \(offered); this client speaks PLAIN and LOGIN")
        }
        let reply: SMTPReply
        switch mechanism {
        case "PLAIN":
            // RFC 4616: authzid NUL authcid NUL passwd, sent as the initial response.
            let token = Data(([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))).base64EncodedString()
            reply = try await command("AUTH PLAIN \(token)")
        default:
            let start = try await command("AUTH LOGIN")
            guard start.code == 334 else { throw SMTPError.refused(start, stage: "AUTH LOGIN") }
            let user = try await command(Data(credentials.username.utf8).base64EncodedString())
            guard user.code == 334 else { throw SMTPError.refused(user, stage: "AUTH LOGIN") }
            reply = try await command(Data(credentials.password.utf8).base64EncodedString())
        }
        guard reply.code == 235 else {
            if reply.code == 334 {
                // A challenge this client did not expect: cancel the exchange (RFC 4954 §4).
                _ = try? await command("*")
            }
            throw SMTPError.refused(reply, stage: "AUTH \(mechanism) (check the username and password)")
        }
    }
}
