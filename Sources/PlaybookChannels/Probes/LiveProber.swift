import AsyncHTTPClient
import NIOCore
import NIOPosix
import PlaybookCore
import PlaybookEngine

/// The network prober of `playbook watch`: http and statuspage checks over one shared HTTP
/// client (redirects followed), dns checks over UDP to the resolver of the check or the system's.
public struct LiveProber: Prober {
    let http: HTTPProbe
    let statuspage: StatuspageProbe
    let dns: DNSProbe

    public init(client: HTTPClient, dns: DNSProbe = DNSProbe()) {
        http = HTTPProbe(client: client)
        statuspage = StatuspageProbe(client: client)
        self.dns = dns
    }

    public func probe(_ check: ProbeCheck, timeout: Double) async -> ProbeResult {
        switch check {
        case .http(let url, let expect): return await http.probe(url: url, expect: expect, timeout: timeout)
        case .dns(let name, let server): return await dns.probe(name: name, server: server, timeout: timeout)
        case .statuspage(let url, let component): return await statuspage.probe(url: url, component: component, timeout: timeout)
        }
    }

    /// An HTTP client configured for probes and sources: redirects followed (up to 5), and
    /// connections not kept for long (a probe should see the network as a new visitor would).
    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .follow(max: 5, allowCycles: false))
        configuration.connectionPool = .init(idleTimeout: .seconds(5))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
