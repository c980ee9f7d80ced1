extension PlaybookReader {
    static let approveKeys = ["to", "segment", "via", "text", "template", "timeout", "on_timeout"]

    /// `approve: {to, segment, via, text | template, timeout, on_timeout}`: who is asked (channels
    /// that post, and/or a segment's contacts as `notify` reaches them), with what text, and how
    /// long they have.
    func readApproval(_ reader: MappingReader, _ context: String) -> ApprovalRequest? {
        reader.checkKeys(Self.approveKeys)
        let to = reader.textList("to")
        let segment = reader.text("segment")
        let via = reader.textList("via")
        var complete = true
        if !reader.has("to"), !reader.has("segment"), !reader.has("via") {
            sink.error(
                "\(context) asks nobody; give 'to' (channels that can post, e.g. the team's chat) and/or 'segment' with 'via' (contacts, as notify reaches them)",
                at: reader.node.location)
            complete = false
        } else if let segmentNode = reader.entry("segment"), !reader.has("via") {
            sink.error("\(context) gives 'segment' without 'via'; name the channels that reach its contacts, e.g. via: [sms]", at: segmentNode.key.location)
            complete = false
        } else if let viaNode = reader.entry("via"), !reader.has("segment") {
            sink.error("\(context) gives 'via' without 'segment'; name the segment whose contacts decide, or post with 'to'", at: viaNode.key.location)
            complete = false
        }
        let content = readContent(reader, context, inlineKey: "text")
        var timeout = ApprovalRequest.defaultTimeout
        if let node = reader.value("timeout"), let seconds = Units.duration(node, "'timeout' in \(context)", sink) {
            if seconds <= 0 { sink.error("'timeout' in \(context) must be longer than 0s: people need time to decide", at: node.location) }
            timeout = seconds
        }
        let onTimeout = reader.choice("on_timeout", ApprovalTimeoutOutcome.allCases.map(\.rawValue)).flatMap { ApprovalTimeoutOutcome(rawValue: $0.value) }
        guard complete, let content, reader.has("to") == (to != nil), reader.has("segment") == (segment != nil), reader.has("via") == (via != nil) else {
            return nil
        }
        return ApprovalRequest(to: to ?? [], segment: segment, via: via ?? [], content: content, timeout: timeout, onTimeout: onTimeout ?? .deny)
    }
}
