import Foundation
import PlaybookCore
@testable import PlaybookEngine
import PlaybookTestSupport
import Testing

/// A clock for tests whose time moves only when someone sleeps: a sleeper waits a sliver of real
/// time (the virtual wait divided by `factor`) and then the clock jumps to its deadline. Work done
/// between sleeps takes no virtual time at all, however busy the machine, so what the engine
/// decides (when to start a step, whether quiet hours apply) is the same on every run.
final class FastClock: EngineClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    let factor: Double

    init(origin: Date, factor: Double = 36_000) {
        current = origin
        self.factor = factor
    }

    func now() -> Date { lock.withLock { current } }

    func sleep(until deadline: Date) async throws {
        let real = deadline.timeIntervalSince(now()) / factor
        if real > 0 { try await Task.sleep(nanoseconds: UInt64(real * 1_000_000_000)) }
        try Task.checkCancellation()
        lock.withLock { current = max(current, deadline) }
    }
}

/// Channels that record what they were asked, at what (virtual) time, and fail as scripted.
actor RecordingChannels: ChannelRegistry {
    struct Sent: Sendable {
        var channel: String
        var message: OutboundMessage
        var at: Date
    }

    let clock: any EngineClock
    private(set) var sent: [Sent] = []
    private(set) var attempts: [String: Int] = [:]
    private(set) var adsCalls: [(String, String)] = []
    /// When each pause or resume was made.
    private(set) var adsTimes: [Date] = []
    var activeCampaigns: [Campaign] = [Campaign(id: "1", name: "Autumn sale"), Campaign(id: "2", name: "Brand"), Campaign(id: "3", name: "Autumn retargeting")]
    /// Per idempotency-key suffix (`/step/channel`): failures to play before succeeding.
    var script: [String: [ChannelFailure]] = [:]
    /// Addresses that always fail permanently.
    var rejected: Set<String> = []
    /// After this many successful sends, every send waits until released.
    var holdAfter: Int?
    private var held: [CheckedContinuation<Void, Never>] = []

    init(clock: any EngineClock) {
        self.clock = clock
    }

    func setScript(_ key: String, _ failures: [ChannelFailure]) { script[key] = failures }
    func setRejected(_ addresses: Set<String>) { rejected = addresses }
    func setHoldAfter(_ count: Int?) { holdAfter = count }

    func releaseHeld() {
        holdAfter = nil
        for waiter in held { waiter.resume() }
        held = []
    }

    func record(_ channel: String, _ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
        attempts[message.idempotencyKey, default: 0] += 1
        if let suffix = script.keys.first(where: { message.idempotencyKey.hasSuffix($0) }), var failures = script[suffix], !failures.isEmpty {
            let failure = failures.removeFirst()
            script[suffix] = failures
            throw failure
        }
        if rejected.contains(message.address) { throw .permanent("recipient \(message.address) rejected") }
        if let holdAfter, sent.count >= holdAfter { await withCheckedContinuation { held.append($0) } }
        sent.append(Sent(channel: channel, message: message, at: clock.now()))
        return DeliveryReceipt()
    }

    func recordAds(_ call: String, _ campaign: String) {
        adsCalls.append((call, campaign))
        adsTimes.append(clock.now())
    }
    func setActive(_ campaigns: [Campaign]) { activeCampaigns = campaigns }

    nonisolated func messageChannel(_ id: String) throws(ChannelFailure) -> any MessageChannel { Recorder(id: id, channels: self) }
    nonisolated func adsChannel(_ id: String) throws(ChannelFailure) -> any AdsChannel { Ads(channels: self) }
    nonisolated func calendarChannel(_ id: String) throws(ChannelFailure) -> any CalendarChannel { throw .permanent("no calendar in tests") }
    nonisolated func webhookChannel(_ id: String) throws(ChannelFailure) -> any WebhookCallChannel { throw .permanent("no webhook in tests") }

    struct Recorder: MessageChannel {
        let id: String
        let channels: RecordingChannels
        func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt { try await channels.record(id, message) }
    }

    struct Ads: AdsChannel {
        let channels: RecordingChannels
        func activeCampaigns(matching selector: CampaignSelector) async throws(ChannelFailure) -> [Campaign] {
            let active = await channels.activeCampaigns
            switch selector {
            case .all: return active
            case .ids(let ids): return active.filter { ids.contains($0.id) }
            case .nameMatches(let pattern):
                guard let regex = try? Regex(pattern) else { return [] }
                return active.filter { $0.name.contains(regex) }
            }
        }
        func pause(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
            await channels.recordAds("pause", campaign.id)
            await channels.setActive(await channels.activeCampaigns.filter { $0 != campaign })
        }
        func resume(_ campaign: Campaign, idempotencyKey: String) async throws(ChannelFailure) {
            await channels.recordAds("resume", campaign.id)
        }
    }
}

/// A playbook written into a fresh directory with a contacts file, and a journal beside it.
struct EngineFixture {
    let directory: URL
    let playbook: Playbook
    let journal: SQLiteJournal

    init(_ yaml: String, contacts: Int = 0, extraContacts: [String] = [], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        directory = TestScratch.root.appendingPathComponent("engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var rows = ["id,name,email,phone,tags,consent_email,consent_sms,timezone,locale"]
        for i in 0..<contacts { rows.append("c\(i),Person \(i),p\(i)@example.com,+39333\(String(format: "%07d", i)),fan,true,true,Europe/Rome,en") }
        rows += extraContacts
        try (rows.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("playbook.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try PlaybookLoader.load(path: path)
        #expect(result.isValid, "\(result.diagnostics.map { "\($0.location): \($0.message)" })", sourceLocation: sourceLocation)
        playbook = try #require(result.playbook, sourceLocation: sourceLocation)
        journal = try SQLiteJournal(directory: directory.appendingPathComponent(".playbook").path)
    }
}
