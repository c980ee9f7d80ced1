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
}
