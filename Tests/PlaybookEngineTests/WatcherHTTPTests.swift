import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// What the listener answers: /healthz, /metrics in Prometheus's text format, webhook triggers
/// with their HMAC, and 4xx with a reason (and no change) for bad requests.
@Suite struct WatcherHTTPTests {
    static let start = Date(timeIntervalSince1970: 1_633_362_000)

    static let hooked = """
        version: 1
        playbook: alerts
        triggers:
          - id: alertmanager
            webhook: { path: /hooks/alertmanager, secret: "${env.HOOK_SECRET}" }
            clear_for: 1m
          - id: open-hook
            webhook: { path: /hooks/open }
          - id: meta-down
            platform_down: { platforms: [instagram] }
        channels:
          out: { type: file, path: out.jsonl }
        steps:
          - id: tell
            post: { to: [out], text: "alert: {{ trigger.payload.commonLabels.alertname }}" }
        recovery:
          - id: back
            post: { to: [out], text: "resolved" }
        """

    /// An Alertmanager webhook (version 4) payload.
    static func alertmanager(_ status: String) -> [UInt8] {
        Array(
            """
            {"version":"4","groupKey":"{}:{alertname=\\"ShopDown\\"}","truncatedAlerts":0,"status":"\(status)","receiver":"playbook",
             "groupLabels":{"alertname":"ShopDown"},"commonLabels":{"alertname":"ShopDown","severity":"critical"},
             "commonAnnotations":{"summary":"The shop answers 5xx"},"externalURL":"http://alertmanager:9093",
             "alerts":[{"status":"\(status)","labels":{"alertname":"ShopDown"},"annotations":{},"startsAt":"2021-10-04T15:39:00Z",
             "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"c2d1f1c9"}]}
            """.utf8)
    }

    static func post(_ path: String, _ body: [UInt8], signature: String? = nil) -> WatchRequest {
        WatchRequest(method: "POST", path: path, headers: signature.map { [("X-Playbook-Signature", $0)] } ?? [], body: body)
    }

    static func watcher(_ clock: ManualClock) throws -> (WatchFixture, Watcher) {
        let fixture = try WatchFixture([Self.hooked], clock: clock)
        return (fixture, try fixture.watcher(environment: ["HOOK_SECRET": "s3cret-hook"]))
    }

    @Test func aSignedAlertFiresAndItsResolutionRecovers() async throws {
        let clock = ManualClock(Self.start)
        let (fixture, watcher) = try Self.watcher(clock)
        let body = Self.alertmanager("firing")
        let response = await watcher.handle(Self.post("/hooks/alertmanager", body, signature: WebhookSignature.sign(body, secret: "s3cret-hook")))
        #expect(response.status == 202)
        #expect(response.body.contains(#""condition":"holds""#))
        await watcher.monitor("alerts")!.idle()
        #expect(await fixture.texts() == ["alert: ShopDown"])

        let resolved = Self.alertmanager("resolved")
        clock.advance(by: 600)
        #expect(
            await watcher.handle(Self.post("/hooks/alertmanager", resolved, signature: WebhookSignature.sign(resolved, secret: "s3cret-hook"))).status == 202)
        clock.advance(by: 60)
        await watcher.monitor("alerts")!.tick()
        await watcher.monitor("alerts")!.idle()
        #expect(await fixture.texts() == ["alert: ShopDown", "resolved"])
    }

    @Test(
        arguments: [
            (nil, 401, "missing X-Playbook-Signature"),
            ("sha256=" + String(repeating: "0", count: 64), 401, "does not match the body"),
            ("sha1=abc", 401, "must be 'sha256='"),
            ("sha256=xyz", 401, "64 hex digits"),
        ] as [(String?, Int, String)])
    func aBadSignatureIsRefusedAndChangesNothing(signature: String?, status: Int, reason: String) async throws {
        let clock = ManualClock(Self.start)
        let (fixture, watcher) = try Self.watcher(clock)
        let response = await watcher.handle(Self.post("/hooks/alertmanager", Self.alertmanager("firing"), signature: signature))
        #expect(response.status == status)
        #expect(response.body.contains(reason))
        #expect(await watcher.monitor("alerts")!.triggerState("alertmanager")?.holds == nil)
        #expect(fixture.reporter.events(named: "webhook_refused").count == 1)
        #expect(try await fixture.journal.triggerStates(playbook: "alerts").isEmpty)
    }

    @Test func aSignatureOfAnotherBodyIsRefused() async throws {
        let (_, watcher) = try Self.watcher(ManualClock(Self.start))
        let signature = WebhookSignature.sign(Self.alertmanager("resolved"), secret: "s3cret-hook")
        #expect(await watcher.handle(Self.post("/hooks/alertmanager", Self.alertmanager("firing"), signature: signature)).status == 401)
    }

    @Test func otherBadRequests() async throws {
        let (fixture, watcher) = try Self.watcher(ManualClock(Self.start))
        let notJSON = await watcher.handle(Self.post("/hooks/open", Array("status=firing".utf8)))
        #expect(notJSON.status == 400)
        #expect(notJSON.body == "{\"error\":\"the body is not JSON\"}\n")
        let unknown = await watcher.handle(Self.post("/hooks/nope", Array("{}".utf8)))
        #expect(unknown.status == 404)
        #expect(unknown.body.contains("no webhook trigger listens on /hooks/nope"))
        let get = await watcher.handle(WatchRequest(method: "GET", path: "/hooks/open"))
        #expect(get.status == 405)
        #expect(get.headers["Allow"] == "POST")
        let postMetrics = await watcher.handle(Self.post("/metrics", []))
        #expect(postMetrics.status == 405)
        #expect(await watcher.monitor("alerts")!.triggerState("open-hook")?.holds == nil)
        #expect(await fixture.texts().isEmpty)
        // An unsigned hook takes any JSON.
        #expect(await watcher.handle(Self.post("/hooks/open", Array(#"{"status":"firing"}"#.utf8))).status == 202)
    }

    @Test func healthAndMetrics() async throws {
        let clock = ManualClock(Self.start)
        let (fixture, watcher) = try Self.watcher(clock)
        let health = await watcher.handle(WatchRequest(method: "GET", path: "/healthz"))
        #expect(health.status == 200)
        #expect(health.body.contains(#""status":"ok""#))
        fixture.prober.setDown(["instagram.com", "https://www.instagram.com/"])
        await watcher.cycle("alerts", "meta-down")
        await watcher.monitor("alerts")!.idle()

        let metrics = await watcher.handle(WatchRequest(method: "GET", path: "/metrics"))
        #expect(metrics.status == 200)
        #expect(metrics.contentType == "text/plain; version=0.0.4; charset=utf-8")
        let lines = metrics.body.split(separator: "\n").map(String.init)
        for expected in [
            #"playbook_check_up{kind="dns",target="instagram.com"} 0"#,
            #"playbook_check_up{kind="http",target="https://i.instagram.com/ 200-499"} 1"#,
            #"playbook_platform_down{playbook="alerts",trigger="meta-down",platform="instagram"} 1"#,
            #"playbook_trigger_condition{playbook="alerts",trigger="meta-down"} 1"#,
            #"playbook_trigger_fires_total{playbook="alerts",trigger="meta-down"} 1"#,
            #"playbook_incident_active{playbook="alerts"} 1"#,
            #"playbook_incidents_opened_total{playbook="alerts"} 1"#,
            #"playbook_deliveries{playbook="alerts",status="sent"} 1"#,
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        // Every sample belongs to a family declared with HELP and TYPE, once.
        var declared = Set<String>()
        for line in lines where line.hasPrefix("# TYPE ") {
            let name = String(line.split(separator: " ")[2])
            #expect(declared.insert(name).inserted)
        }
        for line in lines where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            let family = ["_bucket", "_sum", "_count"].reduce(name) {
                $0.hasSuffix($1) && declared.contains(String($0.dropLast($1.count))) ? String($0.dropLast($1.count)) : $0
            }
            #expect(declared.contains(family), "\(name) has no TYPE")
            #expect(Double(line.split(separator: " ").last!) != nil || line.hasSuffix("+Inf"), "\(line)")
        }
    }

    @Test func aWatcherRefusesConfigurationsItCannotServe() throws {
        let clock = ManualClock(Self.start)
        let fixture = try WatchFixture([Self.hooked, Self.hooked.replacingOccurrences(of: "playbook: alerts", with: "playbook: other")], clock: clock)
        #expect(throws: Watcher.Problem.self) { _ = try fixture.watcher(environment: ["HOOK_SECRET": "x"]) }  // the same paths twice
        let single = try WatchFixture([Self.hooked], clock: clock)
        #expect { _ = try single.watcher() } throws: { "\($0)".contains("environment variable 'HOOK_SECRET' is not set") }
        let reserved = try WatchFixture([Self.hooked.replacingOccurrences(of: "/hooks/open", with: "/metrics")], clock: clock)
        #expect { _ = try reserved.watcher(environment: ["HOOK_SECRET": "x"]) } throws: { "\($0)".contains("the listener answers itself") }
        let twice = try WatchFixture([Self.hooked, Self.hooked], clock: clock)
        #expect { _ = try twice.watcher(environment: ["HOOK_SECRET": "x"]) } throws: { "\($0)".contains("two playbooks are named 'alerts'") }
    }

    static func timestamped(_ body: [UInt8], at time: Date, secret: String = "s3cret-hook") -> WatchRequest {
        let timestamp = String(Int(time.timeIntervalSince1970))
        return WatchRequest(
            method: "POST", path: "/hooks/alertmanager",
            headers: [
                ("X-Playbook-Timestamp", timestamp), ("X-Playbook-Signature", WebhookSignature.sign(body, timestamp: timestamp, secret: secret)),
            ], body: body)
    }

    @Test func aTimestampedAlertIsTakenOnceAndItsReplayRefused() async throws {
        let clock = ManualClock(Self.start)
        let (fixture, watcher) = try Self.watcher(clock)
        let request = Self.timestamped(Self.alertmanager("firing"), at: Self.start)
        #expect(await watcher.handle(request).status == 202)
        clock.advance(by: 30)
        let replay = await watcher.handle(request)
        #expect(replay.status == 401)
        #expect(replay.body.contains("already accepted (a replay)"))
        // Captured and sent again after the window: refused for its age.
        clock.advance(by: 300)
        let late = await watcher.handle(request)
        #expect(late.status == 401)
        #expect(late.body.contains("more than 5 minutes"))
        // A fresh timestamp, freshly signed, is a new request.
        #expect(await watcher.handle(Self.timestamped(Self.alertmanager("firing"), at: clock.now())).status == 202)
        #expect(fixture.reporter.events(named: "webhook_refused").count == 2)
    }

    @Test func aBodySignedAlertSentAgainIsStillTaken() async throws {
        let (_, watcher) = try Self.watcher(ManualClock(Self.start))
        let body = Self.alertmanager("firing")
        let request = Self.post("/hooks/alertmanager", body, signature: WebhookSignature.sign(body, secret: "s3cret-hook"))
        for _ in 0..<3 { #expect(await watcher.handle(request).status == 202) }
    }

    @Test func anEmptySecretFromTheEnvironmentIsRefusedAtStart() throws {
        let fixture = try WatchFixture([Self.hooked], clock: ManualClock(Self.start))
        #expect {
            _ = try fixture.watcher(environment: ["HOOK_SECRET": ""])
        } throws: { error in
            guard let problem = error as? Watcher.Problem else { return false }
            return problem.isUsage && problem.description.contains("the secret of webhook trigger 'alertmanager' is empty (${env.HOOK_SECRET})")
                && !problem.description.contains("\n")
        }
    }

    @Test func unsignedTriggersBeyondLoopbackAreWarnedAbout() throws {
        let (_, watcher) = try Self.watcher(ManualClock(Self.start))
        #expect(watcher.unsignedWebhookPaths == ["/hooks/open"])
        #expect(watcher.unsignedExposureWarning(address: "127.0.0.1:9464", loopback: true) == nil)
        let warning = try #require(watcher.unsignedExposureWarning(address: "0.0.0.0:9464", loopback: false))
        #expect(warning.isWarning)
        #expect(warning.name == "webhook_unsigned")
        #expect(warning.message.contains("/hooks/open takes unsigned requests and the listener on 0.0.0.0:9464 is reachable beyond this machine"))
        // Every trigger signed: nothing to warn about, wherever it listens.
        let signed = try WatchFixture([Self.hooked.replacingOccurrences(of: "{ path: /hooks/open }", with: "{ path: /hooks/open, secret: k3y-k3y }")], clock: ManualClock(Self.start))
        #expect(try signed.watcher(environment: ["HOOK_SECRET": "s3cret-hook"]).unsignedExposureWarning(address: "0.0.0.0:9464", loopback: false) == nil)
    }

    /// The `playbook_deliveries` samples of a scrape, by status.
    static func deliveries(_ metrics: String) -> [String: Int] {
        var found: [String: Int] = [:]
        for line in metrics.split(separator: "\n") where line.hasPrefix("playbook_deliveries{playbook=\"alerts\",status=\"") {
            let status = line.split(separator: "\"")[3]
            found[String(status)] = Int(line.split(separator: " ").last!)
        }
        return found
    }

    @Test func aScrapeCostsTheSameWithAMillionDeliveriesAndNeverWaitsForTheJournal() async throws {
        let clock = ManualClock(Self.start)
        let (fixture, watcher) = try Self.watcher(clock)
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        try await fixture.journal.createIncident(IncidentRecord(id: "big", playbook: "alerts", trigger: "alertmanager", startedAt: Self.start))
        // A million deliveries, written straight into the state database (as a long-lived watcher's would be).
        let database = try SQLiteDatabase(path: fixture.journal.path)
        try database.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
            INSERT INTO deliveries (key, incident, step, channel, contact, address, status, attempts, updated_at)
            SELECT 'big/tell/' || i, 'big', 'tell', 'out', 'c' || i, 'a' || i, CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'sent' END, 1, 0 FROM n;
            """)
        let metrics = WatchRequest(method: "GET", path: "/metrics")
        // The watcher counts them once, when it starts.
        #expect(Self.deliveries(await watcher.handle(metrics).body) == ["sent": 900_000, "failed": 100_000])

        // The journal busy with full scans: scrapes answer from memory meanwhile.
        let journal = fixture.journal
        let busy = Task { for _ in 0..<2 { _ = try await journal.deliveryTotals() } }
        try await Task.sleep(nanoseconds: 20_000_000)
        let started = ContinuousClock.now
        for _ in 0..<20 { #expect(await watcher.handle(metrics).status == 200) }
        let elapsed = ContinuousClock.now - started
        try await busy.value
        #expect(elapsed < .milliseconds(500), "20 scrapes took \(elapsed)")

        // What the engine writes from then on moves the totals: a retry that succeeded, a new
        // delivery, and the same one planned again on resume (not counted twice).
        try await journal.markDelivery("big/tell/10", .sent, attempts: 1, at: clock.now())
        let fresh = DeliveryRecord(key: "big/tell/new", incident: "big", step: "tell", channel: "out", contact: "n", address: "n", status: .pending)
        try await journal.planDeliveries([fresh], at: clock.now())
        try await journal.planDeliveries([fresh], at: clock.now())
        try await journal.markDelivery("unknown-key", .sent, at: clock.now())
        #expect(Self.deliveries(await watcher.handle(metrics).body) == ["sent": 900_001, "failed": 99_999, "pending": 1])
        // The same totals a scan of the journal gives.
        let scanned = try await journal.deliveryTotals().filter { $0.playbook == "alerts" }
        #expect(Dictionary(uniqueKeysWithValues: scanned.map { ($0.status.rawValue, $0.count) }) == ["sent": 900_001, "failed": 99_999, "pending": 1])
    }
}
