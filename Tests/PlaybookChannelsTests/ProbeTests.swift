import AsyncHTTPClient
import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

@testable import PlaybookChannels

/// The network checks of `platform_down`, each against a loopback fake: dns over UDP to a fake
/// resolver, http and statuspage against a fake HTTP server.
@Suite struct ProbeTests {
    // MARK: - dns

    @Test(arguments: [
        ("shop.example", true, "1 answer"),
        ("many.example", true, "3 answers"),
        ("nodata.example", true, "the name exists"),
        ("facebook.com", false, "SERVFAIL"),
        ("gone.example", false, "NXDOMAIN"),
        ("refused.example", false, "REFUSED"),
        ("lossy.example", true, "1 answer"),
        ("stray.example", true, "2 answers"),
    ])
    func dnsAnswersAndErrors(name: String, up: Bool, detail: String) async throws {
        try await LoopbackDNSServer.with({ name in
            switch name {
            case "shop.example": return .answers(1)
            case "many.example": return .answers(3)
            case "nodata.example": return .answers(0)
            case "facebook.com": return .rcode(2)
            case "gone.example": return .rcode(3)
            case "refused.example": return .rcode(5)
            case "lossy.example": return .loseFirst
            case "stray.example": return .strayThenAnswer
            default: return .silent
            }
        }) { server in
            let result = await DNSProbe(defaultServer: "127.0.0.1:1").probe(name: name, server: server.address, timeout: 4)
            #expect(result.ok == up, "\(result.detail)")
            #expect(result.detail.contains(detail), "\(result.detail)")
            #expect(server.record.names.first == name)
        }
    }

    @Test func dnsWithoutAnAnswerInTimeIsDown() async throws {
        try await LoopbackDNSServer.with({ _ in .silent }) { server in
            let started = Date()
            let result = await DNSProbe().probe(name: "facebook.com", server: server.address, timeout: 0.4)
            #expect(!result.ok)
            #expect(
                result.detail == "no answer from \(server.address) in 0.4s" || result.detail.hasPrefix("no answer from \(server.address)"), "\(result.detail)")
            #expect(Date().timeIntervalSince(started) < 30, "a 0.4 s timeout never hangs the probe (the bound allows a loaded machine)")
            #expect(server.record.names == ["facebook.com", "facebook.com"], "asked once more halfway")
        }
    }

    @Test func dnsAsksTheDefaultResolverWhenTheCheckNamesNone() async throws {
        try await LoopbackDNSServer.with({ _ in .answers(1) }) { server in
            let result = await DNSProbe(defaultServer: server.address).probe(name: "instagram.com.", server: nil, timeout: 10)
            #expect(result.ok)
            // Asked of that server, for that name (once more halfway when a busy machine delays the answer).
            #expect(!server.record.names.isEmpty && Set(server.record.names) == ["instagram.com"], "\(server.record.names)")
        }
    }

    @Test func dnsRefusesNamesThatAreNotNames() async {
        let long = await DNSProbe(defaultServer: "127.0.0.1:1").probe(name: String(repeating: "a", count: 64) + ".example", server: nil, timeout: 0.2)
        #expect(!long.ok && long.detail.contains("not a DNS name"))
        let empty = await DNSProbe(defaultServer: "127.0.0.1:1").probe(name: "a..b", server: nil, timeout: 0.2)
        #expect(!empty.ok && empty.detail.contains("not a DNS name"))
    }

    @Test func theSystemResolverIsTheFirstNameserverOfResolvConf() throws {
        let path = TestScratch.root.appendingPathComponent("resolv-\(UUID().uuidString).conf").path
        try "# generated\nsearch example.com\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(DNSProbe.systemResolver(path: path) == "10.0.0.2")
        try "nameserver fe80::1%eth0\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(DNSProbe.systemResolver(path: path) == "[fe80::1]")
        #expect(DNSProbe.systemResolver(path: "/nonexistent/resolv.conf") == nil)
    }

    @Test func resolverAddresses() throws {
        #expect(try DNSProbe.address("127.0.0.1:5353").port == 5353)
        #expect(try DNSProbe.address("127.0.0.1").port == 53)
        #expect(try DNSProbe.address("[::1]:5300").port == 5300)
        #expect(try DNSProbe.address("::1").port == 53)
    }

    // MARK: - http

    static func withClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = LiveProber.makeClient()
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func httpStatusRanges() async throws {
        try await LoopbackHTTPServer.with({ request in
            switch request.path {
            case "/ok": return .text(200, "fine")
            case "/broken": return .text(503, "down")
            case "/missing": return .text(404, "no")
            case "/moved": return .respond(status: 302, headers: [("Location", "/ok")], body: [])
            case "/big": return .respond(status: 200, headers: [], body: [UInt8](repeating: 120, count: 8 << 20))
            default: return .hang
            }
        }) { server in
            try await Self.withClient { client in
                let probe = HTTPProbe(client: client)
                #expect(await probe.probe(url: server.baseURL + "/ok", expect: 200...399, timeout: 30) == .up("HTTP 200"))
                #expect(await probe.probe(url: server.baseURL + "/broken", expect: 200...399, timeout: 30) == .down("HTTP 503, expected 200-399"))
                #expect(await probe.probe(url: server.baseURL + "/missing", expect: 200...499, timeout: 30) == .up("HTTP 404"))
                #expect(await probe.probe(url: server.baseURL + "/moved", expect: 200...299, timeout: 30) == .up("HTTP 200"))
                #expect(await probe.probe(url: server.baseURL + "/big", expect: 200...299, timeout: 30) == .up("HTTP 200"))
                #expect(server.requests.map(\.path).contains("/ok"))
                #expect(server.requests.first?.header("User-Agent")?.hasPrefix("playbook-watch/") == true)
            }
        }
    }

    @Test func httpThatHangsOrRefusesIsDown() async throws {
        try await LoopbackHTTPServer.with({ _ in .hang }) { server in
            try await Self.withClient { client in
                let started = Date()
                let hung = await HTTPProbe(client: client).probe(url: server.baseURL + "/", expect: 200...399, timeout: 0.3)
                #expect(!hung.ok)
                #expect(hung.detail.hasPrefix("no answer from \(server.baseURL)"), "\(hung.detail)")
                #expect(Date().timeIntervalSince(started) < 30, "a 0.4 s timeout never hangs the probe (the bound allows a loaded machine)")
                let refused = await HTTPProbe(client: client).probe(url: "http://127.0.0.1:1/", expect: 200...399, timeout: 10)
                #expect(!refused.ok)
                #expect(refused.detail == "cannot reach http://127.0.0.1:1: connection refused: nothing listens on that port", "\(refused.detail)")
            }
        }
    }

    /// A timeout of any size (the library takes any Double; a playbook's is at most 366 days)
    /// bounds the check instead of trapping in its conversion to nanoseconds.
    @Test(arguments: [366 * 86_400.0, 1e300, .infinity])
    func probesTakeATimeoutOfAnySize(_ timeout: Double) async throws {
        try await LoopbackHTTPServer.with({ _ in .text(200, "fine") }) { server in
            try await Self.withClient { client in
                #expect(await HTTPProbe(client: client).probe(url: server.baseURL + "/ok", expect: 200...399, timeout: timeout) == .up("HTTP 200"))
            }
        }
        try await LoopbackDNSServer.with({ _ in .answers(1) }) { server in
            let result = await DNSProbe(defaultServer: "127.0.0.1:1").probe(name: "shop.example", server: server.address, timeout: timeout)
            #expect(result.ok, "\(result.detail)")
        }
    }

    // MARK: - statuspage

    @Test func statuspageEndpoints() {
        #expect(StatuspageProbe.endpoint("https://status.example.com", component: false) == "https://status.example.com/api/v2/status.json")
        #expect(StatuspageProbe.endpoint("https://status.example.com/", component: true) == "https://status.example.com/api/v2/components.json")
        #expect(
            StatuspageProbe.endpoint("https://status.example.com/api/v2/status.json", component: true) == "https://status.example.com/api/v2/components.json")
        #expect(StatuspageProbe.endpoint("https://status.example.com/api/v2/summary.json", component: false) == "https://status.example.com/api/v2/status.json")
    }

    static func statuspage(indicator: String) -> LoopbackHTTPServer.Reply {
        .json(200, #"{"page":{"id":"x","name":"Example"},"status":{"indicator":"\#(indicator)","description":"Described"}}"#)
    }

    static let components = LoopbackHTTPServer.Reply.json(
        200,
        """
        {"page":{"id":"x"},"components":[{"id":"a","name":"API","status":"major_outage"},{"id":"b","name":"Web App","status":"operational"},
         {"id":"c","name":"Checkout","status":"partial_outage"},{"id":"d","name":"Search","status":"degraded_performance"}]}
        """)

    @Test(arguments: [("none", true), ("minor", true), ("maintenance", true), ("major", false), ("critical", false)])
    func statuspageIndicator(indicator: String, up: Bool) async throws {
        try await LoopbackHTTPServer.with({ request in
            request.path == "/api/v2/status.json" ? Self.statuspage(indicator: indicator) : .reject("unexpected \(request.path)")
        }) { server in
            try await Self.withClient { client in
                let result = await StatuspageProbe(client: client).probe(url: server.baseURL, component: nil, timeout: 30)
                #expect(result == (up ? .up("indicator \(indicator) (Described)") : .down("indicator \(indicator) (Described)")))
                #expect(server.rejections.isEmpty)
            }
        }
    }

    @Test(arguments: [
        ("API", false, "API: major_outage"), ("web app", true, "web app: operational"), ("Checkout", false, "Checkout: partial_outage"),
        ("Search", true, "Search: degraded_performance"), ("Payments", false, "no component named 'Payments' (it has: API, Web App, Checkout, Search)"),
    ])
    func statuspageComponent(component: String, up: Bool, detail: String) async throws {
        try await LoopbackHTTPServer.with({ request in
            request.path == "/api/v2/components.json" ? Self.components : .reject("unexpected \(request.path)")
        }) { server in
            try await Self.withClient { client in
                let result = await StatuspageProbe(client: client).probe(url: server.baseURL + "/api/v2/status.json", component: component, timeout: 30)
                #expect(result.ok == up)
                #expect(result.detail == detail)
            }
        }
    }

    @Test func aStatuspageThatFailsFailsTheCheck() async throws {
        try await LoopbackHTTPServer.with({ request in request.path.contains("status") ? .text(502, "bad gateway") : .text(200, "<html>") }) { server in
            try await Self.withClient { client in
                #expect(
                    await StatuspageProbe(client: client).probe(url: server.baseURL, component: nil, timeout: 30) == .down("the status page answered HTTP 502"))
                #expect(
                    await StatuspageProbe(client: client).probe(url: server.baseURL, component: "API", timeout: 30)
                        == .down("the status page's answer is not Statuspage JSON"))
            }
        }
    }

    @Test func theLiveProberDispatchesEachKind() async throws {
        try await LoopbackDNSServer.with({ _ in .rcode(2) }) { dns in
            try await LoopbackHTTPServer.with({ request in request.path == "/api/v2/status.json" ? Self.statuspage(indicator: "none") : .text(200, "ok") }) {
                server in
                try await Self.withClient { client in
                    let prober = LiveProber(client: client, dns: DNSProbe(defaultServer: dns.address))
                    #expect(await prober.probe(.http(url: server.baseURL + "/", expect: 200...399), timeout: 30).ok)
                    #expect(await prober.probe(.statuspage(url: server.baseURL, component: nil), timeout: 30).ok)
                    #expect(await prober.probe(.dns(name: "facebook.com", server: nil), timeout: 30) == .down("SERVFAIL from \(dns.address)"))
                }
            }
        }
    }
}
