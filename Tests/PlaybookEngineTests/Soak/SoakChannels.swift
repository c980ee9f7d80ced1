import Foundation
import PlaybookCore

@testable import PlaybookEngine

/// Everything the shipped playbooks' channels reach during the soak, in memory: the messages and
/// posts sent, two ad accounts shared by the playbooks that name them, two content calendars and
/// the webhooks called. Every call may fail as providers do:
///
/// - at random (seeded), 10% of calls answer 429 (with a Retry-After of 20 s) or 500 — never more
///   than twice in a row for the same call, so each stays within the default retry budget of 3;
/// - Slack answers 503 to everything from 15:45 to 16:45 UTC: the channel down for an hour.
actor SoakWorld {
    /// A message or post as the provider saw it (compact: a soak sends tens of thousands).
    struct Sent: Sendable {
        var playbook: String
        var channel: String
        var type: ChannelType
        var key: String
        var incident: String
        var step: String
        var address: String
        /// The contact's timezone (notify), for the quiet-hours check.
        var timezone: String?
        var at: Date
    }

    struct AdsCall: Sendable {
        var account: String
        var call: String
        var campaign: String
        var incident: String
        var at: Date
    }

    struct Post: Sendable, Equatable {
        var id: String
        var network: String
        var at: Date
    }

    struct WebhookCall: Sendable {
        var playbook: String
        var channel: String
        var method: String
        var key: String
        var at: Date
    }

    let clock: any EngineClock
    private var random: SeededRandom
    private var consecutive: [String: Int] = [:]
    static let downType = ChannelType.slack
    static let downFrom = OutageWorld.at("15:45")
    static let downUntil = OutageWorld.at("16:45")

    private(set) var sent: [Sent] = []
    private(set) var adsCalls: [AdsCall] = []
    private(set) var webhookCalls: [WebhookCall] = []
    private(set) var faultsInjected = 0
    private(set) var downRejections = 0
    /// Ad accounts: campaign -> active.
    private(set) var accounts: [String: [String: (campaign: Campaign, active: Bool)]] = [:]
    private(set) var calendars: [String: [String: Post]] = [:]
    private(set) var calendarApplies = 0

    init(clock: any EngineClock, seed: UInt64) {
        self.clock = clock
        random = SeededRandom(seed: seed)
    }

    func setAccount(_ id: String, _ campaigns: [(Campaign, Bool)]) {
        accounts[id] = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.0.id, (campaign: $0.0, active: $0.1)) })
    }

    func setCalendar(_ path: String, _ posts: [Post]) {
        calendars[path] = Dictionary(uniqueKeysWithValues: posts.map { ($0.id, $0) })
    }

    /// The failure a call meets, if any (see the type's comment).
    func fault(_ key: String, type: ChannelType) -> ChannelFailure? {
        let now = clock.now()
        if type == Self.downType, now >= Self.downFrom, now < Self.downUntil {
            downRejections += 1
            return .retryable("503 Service Unavailable (the soak's hour-long \(type.rawValue) outage)")
        }
        if consecutive[key, default: 0] >= 2 {
            consecutive[key] = nil
            return nil
        }
        let draw = random.next()
        guard draw % 100 < 10 else {
            consecutive[key] = nil
            return nil
        }
        consecutive[key, default: 0] += 1
        faultsInjected += 1
        return draw % 2 == 0 ? .retryable("429 Too Many Requests", after: 20) : .retryable("500 Internal Server Error")
    }

    func send(playbook: String, channel: String, type: ChannelType, _ message: OutboundMessage) throws(ChannelFailure) -> DeliveryReceipt {
        if let failure = fault(message.idempotencyKey, type: type) { throw failure }
        sent.append(
            Sent(
                playbook: playbook, channel: channel, type: type, key: message.idempotencyKey, incident: message.incident, step: message.step,
                address: message.address, timezone: message.contact?.timezone, at: clock.now()))
        return DeliveryReceipt(providerID: "m\(sent.count)")
    }

    func active(account: String, matching selector: CampaignSelector, type: ChannelType) throws(ChannelFailure) -> [Campaign] {
        if let failure = fault("list:\(account):\(selector)", type: type) { throw failure }
        let active = (accounts[account] ?? [:]).values.filter(\.active).map(\.campaign).sorted { $0.id < $1.id }
        switch selector {
        case .all: return active
        case .ids(let ids): return active.filter { ids.contains($0.id) }
        case .nameMatches(let pattern):
            guard let regex = try? Regex(pattern) else { return [] }
            return active.filter { $0.name.contains(regex) }
        }
    }

    func setActive(account: String, campaign: Campaign, active: Bool, key: String, type: ChannelType) throws(ChannelFailure) {
        if let failure = fault(key, type: type) { throw failure }
        accounts[account, default: [:]][campaign.id] = (campaign, active)
        adsCalls.append(
            AdsCall(
                account: account, call: active ? "resume" : "pause", campaign: campaign.id,
                incident: String(key.split(separator: "/").first ?? ""), at: clock.now()))
    }

    func moves(path: String, networks: [String], window: Double, shift: Double, now: Date) throws(ChannelFailure) -> [PostMove] {
        if let failure = fault("moves:\(path)", type: .calendar) { throw failure }
        return (calendars[path] ?? [:]).values
            .filter { networks.contains($0.network) && $0.at >= now && $0.at < now.addingTimeInterval(window) }
            .sorted { ($0.at, $0.id) < ($1.at, $1.id) }
            .map { PostMove(postID: $0.id, network: $0.network, from: $0.at, to: $0.at.addingTimeInterval(shift)) }
    }

    func apply(path: String, _ moves: [PostMove]) throws(ChannelFailure) {
        if let failure = fault("apply:\(path):\(moves.count)", type: .calendar) { throw failure }
        calendarApplies += 1
        for move in moves where calendars[path]?[move.postID]?.at == move.from {
            calendars[path]?[move.postID]?.at = move.to
        }
    }

    func call(playbook: String, channel: String, type: ChannelType, method: String, key: String) throws(ChannelFailure) {
        if let failure = fault(key, type: type) { throw failure }
        webhookCalls.append(WebhookCall(playbook: playbook, channel: channel, method: method, key: key, at: clock.now()))
    }
}

/// The channel registry of one playbook: its channel ids mapped onto the shared world.
struct SoakChannels: ChannelRegistry {
    let world: SoakWorld
    let playbook: Playbook

    private func channel(_ id: String) throws(ChannelFailure) -> Channel {
        guard let channel = playbook.channel(id) else { throw .permanent("no channel '\(id)'") }
        return channel
    }

    func messageChannel(_ id: String) throws(ChannelFailure) -> any MessageChannel {
        Messenger(world: world, playbook: playbook.name.value, id: id, type: try channel(id).type)
    }

    func adsChannel(_ id: String) throws(ChannelFailure) -> any AdsChannel {
        let channel = try channel(id)
        let account = channel["ad_account"]?.raw ?? channel["customer_id"]?.raw ?? id
        return Ads(world: world, account: account, type: channel.type)
    }

    func calendarChannel(_ id: String) throws(ChannelFailure) -> any CalendarChannel {
        ContentCalendar(world: world, path: try channel(id)["path"]?.raw ?? id)
    }

    func webhookChannel(_ id: String) throws(ChannelFailure) -> any WebhookCallChannel {
        Hook(world: world, playbook: playbook.name.value, id: id, type: try channel(id).type)
    }

    struct Messenger: MessageChannel {
        let world: SoakWorld
        let playbook: String
        let id: String
        let type: ChannelType
        func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
            try await world.send(playbook: playbook, channel: id, type: type, message)
        }
    }

    struct Ads: AdsChannel {
        let world: SoakWorld
        let account: String
        let type: ChannelType
        func activeCampaigns(matching selector: CampaignSelector) async throws(ChannelFailure) -> [Campaign] {
            try await world.active(account: account, matching: selector, type: type)
        }
        func pause(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
            try await world.setActive(account: account, campaign: campaign, active: false, key: idempotencyKey, type: type)
        }
        func resume(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
            try await world.setActive(account: account, campaign: campaign, active: true, key: idempotencyKey, type: type)
        }
    }

    struct ContentCalendar: CalendarChannel {
        let world: SoakWorld
        let path: String
        func movesToReschedule(networks: [String], window: Double, shift: Double, now: Date) async throws(ChannelFailure) -> [PostMove] {
            try await world.moves(path: path, networks: networks, window: window, shift: shift, now: now)
        }
        func apply(_ moves: [PostMove]) async throws(ChannelFailure) {
            try await world.apply(path: path, moves)
        }
    }

    struct Hook: WebhookCallChannel {
        let world: SoakWorld
        let playbook: String
        let id: String
        let type: ChannelType
        func call(method: String, url: String?, body: JSONValue?, idempotencyKey: String) async throws(ChannelFailure) {
            try await world.call(playbook: playbook, channel: id, type: type, method: method, key: idempotencyKey)
        }
    }
}
