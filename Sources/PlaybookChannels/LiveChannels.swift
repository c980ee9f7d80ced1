import AsyncHTTPClient
import Foundation
import PlaybookCore
import PlaybookEngine

/// The real channels of a playbook: each adapter is built on first use, when its `${env.X}`
/// values are resolved (an unset variable fails that channel, with its name, not the run).
public actor LiveChannels: ChannelRegistry {
    let playbook: Playbook
    let environment: [String: String]
    let client: HTTPClient
    /// Keep-alive connections of the `webhook` channels' plain-http URLs (see `KeepAliveHTTPClient`).
    let keepAlive = KeepAliveHTTPClient()
    /// Every `${env.X}` value of the playbook, masked in transport errors.
    let secrets: [String]
    private var built: [String: any Sendable] = [:]

    public init(playbook: Playbook, environment: [String: String], client: HTTPClient) {
        self.playbook = playbook
        self.environment = environment
        self.client = client
        self.secrets = Self.secrets(of: playbook, environment: environment)
    }

    /// Runs `body` with live channels and an HTTP client that is always shut down afterwards.
    public static func with<T: Sendable>(playbook: Playbook, environment: [String: String], _ body: (LiveChannels) async throws -> T) async throws -> T {
        try await withHTTPClient(makeClient) { client in
            let channels = LiveChannels(playbook: playbook, environment: environment, client: client)
            do {
                let result = try await body(channels)
                await channels.closeConnections()
                return result
            } catch {
                await channels.closeConnections()
                throw error
            }
        }
    }

    /// Ends the sessions of adapters that keep connections open (SMTP's QUIT).
    public func closeConnections() async {
        for case let channel as any ConnectionHoldingChannel in built.values { await channel.close() }
        await keepAlive.shutdown()
    }

    /// Every secret value the playbook's channels resolve to, for redaction.
    public static func secrets(of playbook: Playbook, environment: [String: String]) -> [String] {
        var names = Set<String>()
        for channel in playbook.channels { for value in channel.configValues { names.formUnion(value.environmentNames) } }
        for source in playbook.sources {
            switch source.kind {
            case .prometheus(let url, _), .json(let url, _): names.formUnion(url.environmentNames)
            case .plausible(let url, _, let key): names.formUnion(url.environmentNames + key.environmentNames)
            case .csv: break
            }
        }
        for trigger in playbook.triggers { if case .webhook(let hook) = trigger.kind, let secret = hook.secret { names.formUnion(secret.environmentNames) } }
        for step in playbook.steps + playbook.recovery { if case .webhook(_, let url?, _, _) = step.action { names.formUnion(url.environmentNames) } }
        return names.compactMap { environment[$0] }
    }

    func value(_ channel: PlaybookCore.Channel, _ field: String) throws(ChannelFailure) -> String? {
        guard let config = channel[field] else { return nil }
        do {
            return try config.resolve(in: environment)
        } catch {
            throw .permanent("channel '\(channel.id.value)': \(error.message)")
        }
    }

    func transport(_ channel: PlaybookCore.Channel, keepAlive: KeepAliveHTTPClient? = nil) throws(ChannelFailure) -> HTTPTransport {
        var base: String?
        if let configured = channel.baseURL {
            do { base = try configured.resolve(in: environment) } catch { throw .permanent("channel '\(channel.id.value)': \(error.message)") }
        }
        return HTTPTransport(client: client, baseURL: base, secrets: secrets, keepAlive: keepAlive)
    }

    func adapter(_ id: String) throws(ChannelFailure) -> any Sendable {
        if let existing = built[id] { return existing }
        guard let channel = playbook.channel(id) else { throw .permanent("unknown channel '\(id)'") }
        let made = try make(channel)
        built[id] = made
        return made
    }

    private func make(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> any Sendable {
        let id = channel.id.value
        switch channel.type {
        case .file:
            let path = try value(channel, "path") ?? "outbox.jsonl"
            return FileChannel(name: id, path: path.hasPrefix("/") ? path : (playbook.directory as NSString).appendingPathComponent(path))
        case .webhook:
            var headers: [(String, String)] = []
            for (name, config) in channel.headers.sorted(by: { $0.key < $1.key }) {
                do { headers.append((name, try config.resolve(in: environment))) } catch { throw .permanent("channel '\(id)': \(error.message)") }
            }
            return WebhookChannel(name: id, transport: try transport(channel, keepAlive: keepAlive), url: try value(channel, "url"), secret: try value(channel, "secret"), headers: headers)
        default:
            return try makeProviderChannel(channel)
        }
    }

    /// Adapters of the providers: HTTP APIs (LiveChannels+HTTPProviders.swift), then SMTP and the
    /// calendar (LiveChannels+LocalProviders.swift).
    private func makeProviderChannel(_ channel: PlaybookCore.Channel) throws(ChannelFailure) -> any Sendable {
        if let made = try makeHTTPProvider(channel) { return made }
        if let made = try makeLocalProvider(channel) { return made }
        throw .permanent("channel '\(channel.id.value)': the \(channel.type.rawValue) adapter is not available in this build")
    }

    public func messageChannel(_ id: String) throws(ChannelFailure) -> any MessageChannel {
        guard let channel = try adapter(id) as? any MessageChannel else { throw .permanent("channel '\(id)' cannot send messages") }
        return channel
    }

    public func adsChannel(_ id: String) throws(ChannelFailure) -> any AdsChannel {
        guard let channel = try adapter(id) as? any AdsChannel else { throw .permanent("channel '\(id)' is not an ad account") }
        return channel
    }

    public func calendarChannel(_ id: String) throws(ChannelFailure) -> any CalendarChannel {
        guard let channel = try adapter(id) as? any CalendarChannel else { throw .permanent("channel '\(id)' is not a calendar") }
        return channel
    }

    public func resolve(_ value: ConfigValue) throws(ChannelFailure) -> String {
        do {
            return try value.resolve(in: environment)
        } catch {
            throw .permanent(error.message)
        }
    }

    /// The webhook action's channel; an empty id means a bare `url:` (no channel).
    public func webhookChannel(_ id: String) throws(ChannelFailure) -> any WebhookCallChannel {
        if id.isEmpty { return WebhookChannel(name: "url", transport: HTTPTransport(client: client, baseURL: nil, secrets: secrets, keepAlive: keepAlive), url: nil, secret: nil, headers: []) }
        guard let channel = try adapter(id) as? any WebhookCallChannel else { throw .permanent("channel '\(id)' cannot take webhook calls") }
        return channel
    }
}
