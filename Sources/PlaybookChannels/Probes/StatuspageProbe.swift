import AsyncHTTPClient
import Foundation
import PlaybookCore
import PlaybookEngine

/// The `statuspage` check, for pages hosted on Atlassian Statuspage (API v2).
///
/// Without `component`, reads `status.json` and fails when the page's indicator is `major` or
/// `critical` (`none`, `minor` and `maintenance` pass). With `component`, reads
/// `components.json` and fails when that component is in `partial_outage` or `major_outage`.
/// The URL may be the page itself (`https://status.example.com`) or any of its `/api/v2/*.json`
/// endpoints. A page that cannot be read fails the check too: `down_when` weighs it against the
/// other checks.
public struct StatuspageProbe: Sendable {
    let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    /// The endpoint to read for `url`: `status.json`, or `components.json` for a component.
    static func endpoint(_ url: String, component: Bool) -> String {
        var base = url
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        for suffix in ["/api/v2/status.json", "/api/v2/components.json", "/api/v2/summary.json", "/api/v2"] where base.hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
            break
        }
        while base.hasSuffix("/") { base = String(base.dropLast()) }
        return base + (component ? "/api/v2/components.json" : "/api/v2/status.json")
    }

    static let downIndicators: Set<String> = ["major", "critical"]
    static let downComponentStatuses: Set<String> = ["partial_outage", "major_outage"]

    public func probe(url: String, component: String?, timeout: Double) async -> ProbeResult {
        let endpoint = Self.endpoint(url, component: component != nil)
        let response: HTTPProbe.Response
        switch await HTTPProbe.get(client, endpoint, headers: [("Accept", "application/json")], timeout: timeout, keepBody: 4 << 20) {
        case .failure(let failure): return .down(failure.reason)
        case .success(let got): response = got
        }
        guard (200..<300).contains(response.status) else { return .down("the status page answered HTTP \(response.status)") }
        guard let text = String(validating: response.body, as: UTF8.self), let json = JSONValue.parse(text), case .object = json else {
            return .down("the status page's answer is not Statuspage JSON")
        }
        func string(_ value: JSONValue?) -> String? {
            if case .string(let text)? = value { return text }
            return nil
        }
        if let component {
            guard case .array(let components)? = json["components"] else { return .down("the status page lists no components") }
            let wanted = component.trimmingCharacters(in: .whitespaces).lowercased()
            guard let found = components.first(where: { string($0["name"])?.trimmingCharacters(in: .whitespaces).lowercased() == wanted }),
                let status = string(found["status"])
            else {
                let names = components.compactMap { string($0["name"]) }.prefix(12).joined(separator: ", ")
                return .down("no component named '\(component)' (it has: \(names))")
            }
            return Self.downComponentStatuses.contains(status) ? .down("\(component): \(status)") : .up("\(component): \(status)")
        }
        guard let indicator = string(json["status"]?["indicator"]) else { return .down("the status page's answer has no status.indicator") }
        let description = string(json["status"]?["description"]).map { " (\($0))" } ?? ""
        return Self.downIndicators.contains(indicator) ? .down("indicator \(indicator)\(description)") : .up("indicator \(indicator)\(description)")
    }
}
