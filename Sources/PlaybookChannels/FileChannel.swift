import Foundation
import PlaybookCore
import PlaybookEngine

/// The `file` channel: appends one JSON line per delivery or call — the outbox for tests, audits
/// and dry runs of a whole incident. It serves every action: messages are written as the channels'
/// envelope; ads and calendar calls are written as what would have been done.
public actor FileChannel: MessageChannel, AdsChannel, CalendarChannel, WebhookCallChannel {
    let path: String
    let name: String
    private var handle: FileHandle?

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    private func append(_ value: JSONValue) throws(ChannelFailure) {
        if handle == nil {
            let directory = (path as NSString).deletingLastPathComponent
            // The outbox holds customers' addresses and messages: private to its owner when new.
            if !directory.isEmpty { try? PrivateFiles.createDirectory(directory) }
            try? PrivateFiles.createFile(path)
            handle = FileHandle(forWritingAtPath: path)
            _ = try? handle?.seekToEnd()
        }
        guard let handle else { throw .permanent("file channel '\(name)': cannot open \(path) for writing") }
        do {
            try handle.write(contentsOf: Data((value.serialized() + "\n").utf8))
        } catch {
            throw .retryable("file channel '\(name)': cannot write \(path): \(error.localizedDescription)")
        }
    }

    public func send(_ message: OutboundMessage) throws(ChannelFailure) -> DeliveryReceipt {
        try append(message.envelope)
        return DeliveryReceipt()
    }

    /// A file has no ad account: it reports the campaigns a selector names (or one standing for
    /// "all") as active, so that pause and resume are written to the outbox.
    public func activeCampaigns(matching selector: CampaignSelector) throws(ChannelFailure) -> [Campaign] {
        switch selector {
        case .all: return [Campaign(id: "all", name: "all campaigns")]
        case .ids(let ids): return ids.map { Campaign(id: $0, name: $0) }
        case .nameMatches(let pattern): return [Campaign(id: "name~\(pattern)", name: pattern)]
        }
    }

    public func pause(_ campaign: Campaign, idempotencyKey: String) throws(ChannelFailure) {
        try append(.object([("action", .string("pause_ads")), ("campaign", .string(campaign.id)), ("idempotency_key", .string(idempotencyKey))]))
    }

    public func resume(_ campaign: Campaign, idempotencyKey: String) throws(ChannelFailure) {
        try append(.object([("action", .string("resume_ads")), ("campaign", .string(campaign.id)), ("idempotency_key", .string(idempotencyKey))]))
    }

    public func movesToReschedule(networks: [String], window: Double, shift: Double, now: Date) throws(ChannelFailure) -> [PostMove] {
        try append(.object([
            ("action", .string("reschedule_posts")), ("networks", .array(networks.map(JSONValue.string))),
            ("window_s", .number(window)), ("shift_s", .number(shift)),
        ]))
        return []
    }

    public func apply(_ moves: [PostMove]) throws(ChannelFailure) {
        for move in moves {
            try append(.object([("action", .string("move_post")), ("post", .string(move.postID)), ("to", .string(ISO8601DateFormatter().string(from: move.to)))]))
        }
    }

    public func call(method: String, url: String?, body: JSONValue?, idempotencyKey: String) throws(ChannelFailure) {
        try append(.object([("action", .string("webhook")), ("method", .string(method)), ("idempotency_key", .string(idempotencyKey)), ("body", body ?? .null)]))
    }
}
