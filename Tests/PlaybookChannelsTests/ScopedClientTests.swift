import AsyncHTTPClient
import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

@testable import PlaybookChannels

/// HTTP clients are shut down on every path: an `HTTPClient` released while running traps in a
/// debug build and leaks its connections in a release one. A client is known to be shut down
/// when shutting it down again is refused with `alreadyShutdown`.
@Suite struct ScopedClientTests {
    struct Stop: Error {}

    /// Makes clients as `LiveChannels.makeClient` does, and keeps them to check afterwards.
    final class ClientMaker: @unchecked Sendable {
        private let lock = NSLock()
        private var clients: [HTTPClient] = []

        func make() -> HTTPClient {
            let client = LiveChannels.makeClient()
            lock.withLock { clients.append(client) }
            return client
        }

        var made: [HTTPClient] { lock.withLock { clients } }

        /// How many of the clients made are already shut down (and so released safely).
        func shutDownCount() async -> Int {
            var count = 0
            for client in made {
                do {
                    try await client.shutdown()
                    Issue.record("a client was still running")
                } catch let error as HTTPClientError where error == .alreadyShutdown {
                    count += 1
                } catch {
                    Issue.record("unexpected \(error)")
                }
            }
            return count
        }
    }

    @Test func theClientIsShutDownWhenTheBodyReturns() async throws {
        let maker = ClientMaker()
        let value = try await withHTTPClient(maker.make) { _ in "done" }
        #expect(value == "done")
        #expect(await maker.shutDownCount() == 1)
    }

    @Test func theClientIsShutDownWhenTheBodyThrows() async throws {
        let maker = ClientMaker()
        await #expect(throws: Stop.self) {
            try await withHTTPClient(maker.make) { _ in throw Stop() }
        }
        #expect(await maker.shutDownCount() == 1)
    }

    static let yaml = """
        version: 1
        playbook: twin
        triggers: [{ id: hook, webhook: { path: /hooks/PATH } }]
        steps: [{ id: s, log: { message: x } }]

        """

    /// Two playbooks with one name: the watcher refuses to start. Its two clients and the
    /// listener it was given must be let go all the same.
    @Test func whenTheWatcherRefusesToStartItsClientsAreShutDownAndTheListenerClosed() async throws {
        let directory = TestScratch.root.appendingPathComponent("scoped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let playbooks = try ["a", "b"].map { path in
            let result = PlaybookLoader.check(bytes: Array(Self.yaml.replacingOccurrences(of: "PATH", with: path).utf8), path: "\(path).yaml")
            return try #require(result.playbook)
        }
        let listener = try await WatchListener.bind(host: "127.0.0.1", port: 0)
        let port = listener.port
        let setup = LiveWatch.Setup(
            journal: try SQLiteJournal(directory: directory.path), listener: listener, reporter: RecordingWatchReporter(), stop: StopSignal(), environment: [:])
        let probes = ClientMaker()
        let channels = ClientMaker()
        do {
            try await LiveWatch.run(playbooks, setup, makeProbeClient: probes.make, makeChannelClient: channels.make)
            Issue.record("the watcher started with two playbooks of one name")
        } catch LiveWatch.Failure.cannotStart(let problem) {
            #expect(problem.description.contains("two playbooks are named 'twin'"))
            #expect(!problem.isUsage)
        }
        #expect(probes.made.count == 1 && channels.made.count == 1)
        #expect(await probes.shutDownCount() == 1)
        #expect(await channels.shutDownCount() == 1)
        // The port is free again: the listener was closed.
        let again = try await WatchListener.bind(host: "127.0.0.1", port: port)
        await again.close()
    }

    /// A watch stopped as asked lets its clients go too.
    @Test func aWatchThatIsStoppedShutsItsClientsDown() async throws {
        let directory = TestScratch.root.appendingPathComponent("scoped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let playbook = try #require(PlaybookLoader.check(bytes: Array(Self.yaml.replacingOccurrences(of: "PATH", with: "a").utf8), path: "a.yaml").playbook)
        let stop = StopSignal()
        stop.request()
        let setup = LiveWatch.Setup(
            journal: try SQLiteJournal(directory: directory.path), listener: nil, reporter: RecordingWatchReporter(), stop: stop, environment: [:])
        let probes = ClientMaker()
        let channels = ClientMaker()
        try await LiveWatch.run([playbook], setup, makeProbeClient: probes.make, makeChannelClient: channels.make)
        #expect(await probes.shutDownCount() == 1)
        #expect(await channels.shutDownCount() == 1)
    }
}
