import NIOCore

extension SMTPConnection {
    /// One mail transaction (RFC 5321 §3.3): MAIL FROM, RCPT TO and DATA — in one write when the
    /// server offers PIPELINING (RFC 2920) — then the message. Returns the server's final reply.
    ///
    /// A refused recipient fails this transaction only: the connection stays usable, and the
    /// pool's RSET clears it before the next message.
    func deliver(from sender: String, to recipient: String, message: [UInt8]) async throws(SMTPError) -> SMTPReply {
        if let limit = capabilities.maxSize, message.count > limit {
            throw SMTPError.invalidMessage("the message is \(message.count) bytes, more than the \(limit) that \(configuration.server) accepts")
        }
        let mail = "MAIL FROM:<\(sender)>" + (capabilities.sizeExtension ? " SIZE=\(message.count)" : "")
        let rcpt = "RCPT TO:<\(recipient)>"
        let replies: [Result<SMTPReply, SMTPError>]
        if capabilities.pipelining {
            replies = try await send(lines: [mail, rcpt, "DATA"], replies: 3)
        } else {
            var sequential: [Result<SMTPReply, SMTPError>] = []
            for line in [mail, rcpt, "DATA"] {
                let reply = try await command(line)
                sequential.append(.success(reply))
                if !(reply.isCompletion || reply.code == 354) { break }
            }
            replies = sequential
        }
        let stages = ["MAIL FROM", "the recipient <\(recipient)>", "DATA"]
        var refusal: SMTPError?
        for (index, result) in replies.enumerated() {
            let reply = try result.get()
            let accepted = index == 2 ? reply.code == 354 : reply.isCompletion
            if !accepted, refusal == nil { refusal = .refused(reply, stage: stages[index]) }
        }
        if let refusal {
            // A server that said 354 to a pipelined DATA after refusing the recipient waits for a
            // message: end it empty, so the connection stays in step.
            if replies.count == 3, case .success(let data) = replies[2], data.code == 354 {
                _ = try await send(lines: ["."], replies: 1)[0].get()
            }
            throw refusal
        }
        let reply = try await send(bytes: Self.dataBytes(message, allocator: channel.allocator), replies: 1)[0].get()
        guard reply.isCompletion else { throw SMTPError.refused(reply, stage: "the message") }
        return reply
    }

    /// The message as DATA sends it (RFC 5321 §4.5.2): every line that starts with `.` gets
    /// another, line endings are CRLF, and `CRLF . CRLF` ends it.
    static func dataBytes(_ message: [UInt8], allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: message.count + message.count / 64 + 5)
        var atLineStart = true
        var previousCR = false
        for byte in message {
            if byte == 0x0A, !previousCR { buffer.writeInteger(UInt8(0x0D)) }
            if previousCR, byte != 0x0A {
                buffer.writeInteger(UInt8(0x0A))
                atLineStart = true
            }
            if atLineStart, byte == UInt8(ascii: ".") { buffer.writeInteger(UInt8(ascii: ".")) }
            buffer.writeInteger(byte)
            atLineStart = byte == 0x0A
            previousCR = byte == 0x0D
        }
        if previousCR {
            buffer.writeInteger(UInt8(0x0A))
            atLineStart = true
        }
        if !atLineStart { buffer.writeStaticString("\r\n") }
        buffer.writeStaticString(".\r\n")
        return buffer
    }
}
