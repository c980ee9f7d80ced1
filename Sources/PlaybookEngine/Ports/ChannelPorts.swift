import Foundation
import PlaybookCore

/// A channel that sends messages: `notify` deliveries and `post`s (smtp, twilio, telegram,
/// webhook, slack, discord, mastodon, bluesky, x, file).
public protocol MessageChannel: Sendable {
    func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt
}

/// An advertising account whose campaigns can be paused and resumed (meta_ads, google_ads, file).
public protocol AdsChannel: Sendable {
    /// The campaigns that are active now and match the selector.
    func activeCampaigns(matching selector: CampaignSelector) async throws(ChannelFailure) -> [Campaign]
    func pause(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure)
    func resume(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure)
}

public struct Campaign: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// A content calendar whose scheduled posts can be moved (calendar, file).
///
/// Two phases, so that the engine journals what it is about to change before changing it, and
/// a crash in between can be resumed or undone exactly.
public protocol CalendarChannel: Sendable {
    /// The moves that would reschedule posts of `networks` due within `window` after `now`,
    /// `shift` later. Changes nothing.
    func movesToReschedule(networks: [String], window: Double, shift: Double, now: Date) async throws(ChannelFailure) -> [PostMove]
    /// Moves each post from `from` to `to`, when it is still at `from` (so applying twice is harmless).
    func apply(_ moves: [PostMove]) async throws(ChannelFailure)
}

/// One post moved in a calendar: enough to undo it exactly.
public struct PostMove: Sendable, Equatable, Codable {
    public var postID: String
    public var network: String
    public var from: Date
    public var to: Date
    public init(postID: String, network: String, from: Date, to: Date) {
        self.postID = postID
        self.network = network
        self.from = from
        self.to = to
    }
}

/// A channel that takes arbitrary JSON calls (the `webhook` action).
public protocol WebhookCallChannel: Sendable {
    func call(method: String, url: String?, body: JSONValue?, idempotencyKey: String) async throws(ChannelFailure)
}

/// Hands the engine the adapter of each channel id, built at first use (when `${env.X}` is
/// resolved: an unset variable is a permanent error of that channel, not of the run).
public protocol ChannelRegistry: Sendable {
    func messageChannel(_ id: String) async throws(ChannelFailure) -> any MessageChannel
    func adsChannel(_ id: String) async throws(ChannelFailure) -> any AdsChannel
    func calendarChannel(_ id: String) async throws(ChannelFailure) -> any CalendarChannel
    func webhookChannel(_ id: String) async throws(ChannelFailure) -> any WebhookCallChannel
    /// A playbook value with its `${env.X}` substituted (a webhook step's `url`); an unset
    /// variable is a permanent failure naming it, never showing any value.
    func resolve(_ value: ConfigValue) async throws(ChannelFailure) -> String
}

extension ChannelRegistry {
    /// Without an environment: a value naming none resolves to itself, any other fails.
    public func resolve(_ value: ConfigValue) async throws(ChannelFailure) -> String {
        do {
            return try value.resolve(in: [:])
        } catch {
            throw .permanent(error.message)
        }
    }
}
