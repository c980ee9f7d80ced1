import AsyncHTTPClient
import Foundation
import Hummingbird
import PlaybookCore
import PlaybookEngine

/// `playbook watch` over the real network: a `Watcher` wired to live probes, sources and
/// channels, serving the listener while it watches.
///
/// It owns what it opens for the time of the watch, and lets go of it on every path: the two
/// HTTP clients (probes follow redirects, channels never do, so they cannot share one) are
/// scoped by `withHTTPClient`, and the listener is closed whether the watcher refuses to start,
/// stops on an error or stops when asked.
public enum LiveWatch {
    /// What the watch needs besides its playbooks.
    public struct Setup: Sendable {
        public var journal: any Journal
        /// Bound by the caller (so that it can name the address it could not bind); closed here.
        public var listener: WatchListener?
        public var reporter: any WatchReporter
        public var stop: StopSignal
        public var environment: [String: String]
        /// With a shared journal: how long claims on deliveries last unless renewed.
        public var claimLease: Double
        /// What the listener answers, made from the watcher (the console's routes beside the
        /// watcher's); nil: the watcher's own paths only.
        public var routes: (@Sendable (Watcher) -> any HTTPResponder<BasicRequestContext>)?
        /// The base URL of approval links; nil: `approval.url` renders empty.
        public var approvalLinkBase: String?
        /// Said after the listener's address (the console's state).
        public var listenerNote: String?

        public init(
            journal: any Journal, listener: WatchListener?, reporter: any WatchReporter, stop: StopSignal, environment: [String: String],
            claimLease: Double = 15
        ) {
            self.journal = journal
            self.listener = listener
            self.reporter = reporter
            self.stop = stop
            self.environment = environment
            self.claimLease = claimLease
        }
    }

    /// Why the watch ended other than by a stop.
    public enum Failure: Error, CustomStringConvertible {
        /// The watcher refused the playbooks (exit 1) or the environment (exit 2, `isUsage`) before
        /// anything was probed.
        case cannotStart(Watcher.Problem)
        /// Watching ended on an error, such as a journal that can no longer be read.
        case stopped(String)

        public var description: String {
            switch self {
            case .cannotStart(let problem): problem.description
            case .stopped(let reason): reason
            }
        }
    }

    /// Watches `playbooks` until `setup.stop` is requested and in-flight work is done.
    /// `makeProbeClient` and `makeChannelClient` make the two HTTP clients (tests pass their own
    /// to see them shut down).
    public static func run(
        _ playbooks: [Playbook], _ setup: Setup, makeProbeClient: () -> HTTPClient = LiveProber.makeClient,
        makeChannelClient: () -> HTTPClient = LiveChannels.makeClient
    ) async throws {
        do {
            try await withHTTPClient(makeProbeClient) { probes in
                try await withHTTPClient(makeChannelClient) { channels in
                    try await watch(playbooks, setup, probes: probes, channels: channels)
                }
            }
        } catch {
            await setup.listener?.close()
            throw error
        }
        await setup.listener?.close()
    }

    private static func watch(_ playbooks: [Playbook], _ setup: Setup, probes: HTTPClient, channels channelClient: HTTPClient) async throws {
        let environment = setup.environment
        var configuration = Watcher.Configuration(
            playbooks: playbooks, journal: setup.journal, prober: LiveProber(client: probes),
            sources: LiveSourceReader(client: probes, environment: environment),
            channels: { LiveChannels(playbook: $0, environment: environment, client: channelClient) },
            redactor: { SecretRedactor(secrets: LiveChannels.secrets(of: $0, environment: environment)) },
            reporter: setup.reporter, stop: setup.stop, environment: environment)
        configuration.claimLease = setup.claimLease
        configuration.approvalLinkBase = setup.approvalLinkBase
        let watcher: Watcher
        do {
            watcher = try Watcher(configuration)
        } catch {
            throw Failure.cannotStart(error)
        }
        guard let listener = setup.listener else {
            do { try await watcher.run() } catch { throw Failure.stopped("\(error)") }
            return
        }
        setup.reporter.report(listening(on: listener, webhookPaths: watcher.webhookPaths, note: setup.listenerNote))
        if let warning = watcher.unsignedExposureWarning(address: listener.address, loopback: listener.isLoopback) { setup.reporter.report(warning) }
        let responder = setup.routes?(watcher) ?? WatchRequestResponder(handler: { await watcher.handle($0) }, maximumBody: Watcher.maximumBody)
        async let serving: Void = listener.serve(responder)
        var failure: (any Error)?
        do {
            try await watcher.run()
        } catch {
            failure = error
        }
        // Closing the listener ends `serve`; the clients stay up until it has answered its last request.
        await listener.close()
        await serving
        if let failure { throw Failure.stopped("\(failure)") }
    }

    /// The event that says where the listener answers, and what.
    static func listening(on listener: WatchListener, webhookPaths: [String], note: String? = nil) -> WatchEvent {
        WatchEvent(
            time: Date(), name: "listening", playbook: nil, fields: [("address", .string(listener.address))],
            message: "listening on http://\(listener.address) (/healthz, /metrics\(webhookPaths.isEmpty ? "" : ", " + webhookPaths.joined(separator: ", ")))\(note.map { "; " + $0 } ?? "")")
    }
}
