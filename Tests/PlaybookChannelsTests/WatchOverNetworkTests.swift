import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookChannels
@testable import PlaybookEngine

/// `playbook watch` end to end on loopback: real probes (http, dns over UDP, statuspage) against
/// fakes driven down and back up, real channels writing the outbox, a restart mid-incident, and
/// the HTTP listener on a real socket.
@Suite struct WatchOverNetworkTests {
    /// Shortens the triggers' timing on the loaded model (the language's durations are whole seconds).
    static func quick(_ playbook: Playbook, every: Double, timeout: Double, holdFor: Double, clearFor: Double) -> Playbook {
        var playbook = playbook
        for index in playbook.triggers.indices {
            if case .platformDown(var down) = playbook.triggers[index].kind {
                down.every = every
                down.timeout = timeout
                playbook.triggers[index].kind = .platformDown(down)
            }
            playbook.triggers[index].holdFor = holdFor
            playbook.triggers[index].clearFor = clearFor
        }
        return playbook
    }

    static func load(_ yaml: String, in directory: URL) throws -> Playbook {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("shop.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try PlaybookLoader.load(path: path)
        #expect(result.isValid, "\(result.diagnostics.map(\.message))")
        return try #require(result.playbook)
    }

    /// One watcher process: live prober, sources and channels over `client`.
    static func watcher(
        _ playbook: Playbook, journal: any Journal, client: HTTPClient, dns: String, reporter: RecordingWatchReporter, stop: StopSignal,
        environment: [String: String] = [:]
    ) throws -> Watcher {
        try Watcher(
            Watcher.Configuration(
                playbooks: [playbook], journal: journal, prober: LiveProber(client: client, dns: DNSProbe(defaultServer: dns)),
                sources: LiveSourceReader(client: client, environment: environment),
                channels: { LiveChannels(playbook: $0, environment: environment, client: client) }, reporter: reporter, stop: stop, environment: environment))
    }

    static func outbox(_ directory: URL) -> [String] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("out.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard case .object(let members)? = JSONValue.parse(String(line)), case .string(let text)? = members.first(where: { $0.0 == "text" })?.1 else {
                return nil
            }
            return text
        }
    }

    @Test func aPlatformDownAndBackUpOverTheNetworkWithARestartMidIncident() async throws {
        let down = Locked(false)
        let handler: LoopbackHTTPServer.Handler = { request in
            let isDown = down.withLock { $0 }
            switch request.path {
            case "/": return isDown ? .text(503, "unavailable") : .text(200, "shop")
            case "/api/v2/status.json": return .json(200, #"{"status":{"indicator":"\#(isDown ? "major" : "none")","description":"x"}}"#)
            default: return .reject("unexpected \(request.path)")
            }
        }
        try await LoopbackDNSServer.with({ _ in down.withLock { $0 } ? .rcode(2) : .answers(1) }) { dns in
            try await LoopbackHTTPServer.with(handler) { server in
                let directory = TestScratch.root.appendingPathComponent("watch-net-\(UUID().uuidString)")
                let yaml = """
                    version: 1
                    playbook: shop
                    triggers:
                      - id: shop-down
                        platform_down:
                          platforms: [shopify]
                          checks:
                            - http: "\(server.baseURL)/"
                            - dns: shop.example
                            - statuspage: "\(server.baseURL)"
                    channels:
                      out: { type: file, path: out.jsonl }
                    steps:
                      - id: tell
                        post: { to: [out], text: "{{ trigger.platform_names }} is down" }
                    recovery:
                      - id: back
                        post: { to: [out], text: "back" }
                    """
                // A 10 s timeout (loopback checks answer in milliseconds) keeps the restart below
                // the staleness bound (3 x every + timeout) even when a machine busy with other
                // tests is slow to stop and start the watcher: the state must be picked up, not
                // watched afresh.
                let playbook = Self.quick(try Self.load(yaml, in: directory), every: 0.2, timeout: 10, holdFor: 0.6, clearFor: 0.6)
                let journal = try SQLiteJournal(directory: directory.appendingPathComponent(".playbook").path)
                let client = LiveProber.makeClient()

                // The first watcher sees it go down and fires after `for`.
                let first = RecordingWatchReporter()
                let firstStop = StopSignal()
                let watcher = try Self.watcher(playbook, journal: journal, client: client, dns: dns.address, reporter: first, stop: firstStop)
                let running = Task { try await watcher.run() }
                #expect(await eventually { first.events(named: "trigger_clear").count == 1 && dns.record.names.count >= 2 })
                let wentDown = Date()
                down.withLock { $0 = true }
                #expect(await eventually { Self.outbox(directory) == ["Shopify is down"] })
                let fired = try #require(first.events(named: "trigger_fired").first)
                #expect(fired.time.timeIntervalSince(wentDown) >= 0.6)
                // Every check fails once the platform is down; a cycle already under way when it went
                // down (a loaded machine stretches one) may count only the checks made after.
                let verdict = first.events(named: "platform_down").first?.message ?? ""
                #expect(verdict.contains("3/3 checks fail") || verdict.contains("2/3 checks fail"), "\(verdict)")

                // Stopped mid-incident, started again on the same journal: no second incident.
                firstStop.request()
                try await running.value
                let second = RecordingWatchReporter()
                let secondStop = StopSignal()
                let restarted = try Self.watcher(playbook, journal: journal, client: client, dns: dns.address, reporter: second, stop: secondStop)
                let again = Task { try await restarted.run() }
                #expect(await eventually { second.events(named: "state_restored").count == 1 })
                #expect(second.events(named: "state_restored").first?.message.contains("shop-down holds since") == true)
                try await Task.sleep(nanoseconds: 1_000_000_000)
                #expect(second.events(named: "trigger_fired").isEmpty)
                #expect(try await journal.incidents().count == 1)

                // Back up: recovery after `clear_for`, once.
                let cameBack = Date()
                down.withLock { $0 = false }
                #expect(await eventually { Self.outbox(directory) == ["Shopify is down", "back"] })
                let resolved = try #require(second.events(named: "incident_resolved").first)
                #expect(resolved.time.timeIntervalSince(cameBack) >= 0.6)
                try await Task.sleep(nanoseconds: 500_000_000)
                #expect(Self.outbox(directory) == ["Shopify is down", "back"])
                #expect(await eventually { (try? await journal.incidents().first?.status) == .finished })
                secondStop.request()
                try await again.value
                try await client.shutdown()
                #expect(server.rejections.isEmpty)
            }
        }
    }

    @Test func theListenerOnASocket() async throws {
        let directory = TestScratch.root.appendingPathComponent("watch-listen-\(UUID().uuidString)")
        let playbook = try Self.load(
            """
            version: 1
            playbook: hooks
            triggers:
              - id: alert
                webhook: { path: /alert, secret: "${env.SECRET}" }
            channels:
              out: { type: file, path: out.jsonl }
            steps:
              - id: tell
                post: { to: [out], text: "{{ trigger.payload.commonLabels.alertname }}" }
            """, in: directory)
        let journal = try SQLiteJournal(directory: directory.appendingPathComponent(".playbook").path)
        let client = LiveProber.makeClient()
        let reporter = RecordingWatchReporter()
        let stop = StopSignal()
        let watcher = try Self.watcher(
            playbook, journal: journal, client: client, dns: "127.0.0.1:1", reporter: reporter, stop: stop, environment: ["SECRET": "hook-secret"])
        let listener = try await WatchListener.bind(host: "127.0.0.1", port: 0)
        let serving = Task { await listener.serve { await watcher.handle($0) } }
        let running = Task { try await watcher.run() }
        let base = "http://127.0.0.1:\(listener.port)"

        func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []) async throws -> (Int, String, HTTPHeaders) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(body) }
            let response = try await client.execute(request, timeout: .seconds(60))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: bytes), response.headers)
        }

        let (healthStatus, health, _) = try await send(.GET, "/healthz")
        #expect(healthStatus == 200 && health.contains(#""status":"ok""#))
        let (metricsStatus, metrics, metricsHeaders) = try await send(.GET, "/metrics")
        #expect(metricsStatus == 200 && metrics.contains("# TYPE playbook_probe_cycle_lateness_seconds histogram"))
        #expect(metricsHeaders.first(name: "Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let alert = Array(#"{"status":"firing","commonLabels":{"alertname":"ShopDown"}}"#.utf8)
        let (refused, reason, _) = try await send(
            .POST, "/alert", body: alert, headers: [("X-Playbook-Signature", "sha256=" + String(repeating: "ab", count: 32))])
        #expect(refused == 401 && reason.contains("does not match the body"))
        let (tooLarge, _, _) = try await send(.POST, "/alert", body: [UInt8](repeating: 32, count: Watcher.maximumBody + 1))
        #expect(tooLarge == 413)
        let (accepted, _, _) = try await send(
            .POST, "/alert", body: alert, headers: [("X-Playbook-Signature", WebhookSignature.sign(alert, secret: "hook-secret"))])
        #expect(accepted == 202)
        #expect(await eventually { Self.outbox(directory) == ["ShopDown"] })
        let (missing, _, _) = try await send(.GET, "/nothing")
        #expect(missing == 404)

        stop.request()
        try await running.value
        await listener.close()
        await serving.value
        try await client.shutdown()
    }
}
