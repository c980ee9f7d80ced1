import AsyncHTTPClient
import Foundation
import PlaybookCore
import PlaybookEngine

/// The sources of `traffic_drop` triggers, read for real: Prometheus's instant query API,
/// Plausible's realtime visitors, any JSON document (a dot path into it), and csv files
/// (replays). Secrets (`${env.X}` in URLs and keys) are resolved here and never appear in a
/// failure's message.
public struct LiveSourceReader: SourceReader {
    let client: HTTPClient
    let environment: [String: String]
    let csv: CSVSeries

    /// `origin`: the moment a csv file's relative times (`+15m`) count from (the watcher's start).
    public init(client: HTTPClient, environment: [String: String], origin: Date = Date()) {
        self.client = client
        self.environment = environment
        csv = CSVSeries(origin: origin)
    }

    public func current(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double {
        switch source.kind {
        case .prometheus(let url, let query):
            return try await PrometheusSource(client: client).value(url: try resolve(url, source), query: query, at: nil, timeout: timeout)
        case .plausible(let url, let site, let key):
            return try await PlausibleSource(client: client).visitors(
                url: try resolve(url, source), siteID: site, apiKey: try resolve(key, source), timeout: timeout)
        case .json(let url, let field):
            return try await JSONSource(client: client).value(url: try resolve(url, source), field: field, timeout: timeout)
        case .csv(let path):
            return try csv.value(path: Self.path(path, in: playbook), at: time)
        }
    }

    public func past(_ source: DataSource, of playbook: Playbook, at time: Date, timeout: Double) async throws(SourceFailure) -> Double? {
        switch source.kind {
        case .prometheus(let url, let query):
            // The same query evaluated at that moment: Prometheus keeps the history.
            return try await PrometheusSource(client: client).value(url: try resolve(url, source), query: query, at: time, timeout: timeout)
        case .csv(let path):
            return try csv.value(path: Self.path(path, in: playbook), at: time)
        case .plausible, .json:
            return nil
        }
    }

    private func resolve(_ value: ConfigValue, _ source: DataSource) throws(SourceFailure) -> String {
        do {
            return try value.resolve(in: environment)
        } catch {
            throw SourceFailure("source '\(source.id.value)': \(error.message)")
        }
    }

    static func path(_ path: String, in playbook: Playbook) -> String {
        path.hasPrefix("/") ? path : (playbook.directory as NSString).appendingPathComponent(path)
    }

    /// GETs a JSON document; failures name only the host.
    static func getJSON(_ client: HTTPClient, _ url: String, headers: [(String, String)] = [], timeout: Double, what: String) async throws(SourceFailure)
        -> JSONValue
    {
        let response: HTTPProbe.Response
        switch await HTTPProbe.get(client, url, headers: [("Accept", "application/json")] + headers, timeout: timeout, keepBody: 4 << 20) {
        case .failure(let failure): throw SourceFailure(failure.reason)
        case .success(let got): response = got
        }
        guard (200..<300).contains(response.status) else {
            throw SourceFailure(
                "\(what) at \(HTTPTransport.hostOnly(url)) answered HTTP \(response.status)\(response.status == 401 || response.status == 403 ? " (check the credentials)" : "")"
            )
        }
        guard let text = String(validating: response.body, as: UTF8.self), let json = JSONValue.parse(text) else {
            throw SourceFailure("\(what) at \(HTTPTransport.hostOnly(url)) did not answer JSON")
        }
        return json
    }

    /// A number from JSON: a number, or text holding one (Prometheus sends values as text).
    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let number)?: return number
        case .string(let text)?: return Double(text.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    /// `base` with `path` appended, unless `base` already ends with it.
    static func endpoint(_ base: String, _ path: String, query: [(String, String)]) -> String {
        var components = URLComponents(string: base) ?? URLComponents()
        if !components.path.hasSuffix(path) {
            components.path = (components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path) + path
        }
        var items = components.queryItems ?? []
        items += query.map { URLQueryItem(name: $0.0, value: $0.1) }
        components.queryItems = items
        // URLComponents leaves '+' alone in queries, where servers read it as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? base
    }
}

/// Prometheus's instant query API: `GET /api/v1/query?query=Q[&time=T]`.
struct PrometheusSource {
    let client: HTTPClient

    func value(url: String, query: String, at time: Date?, timeout: Double) async throws(SourceFailure) -> Double {
        var parameters = [("query", query)]
        if let time { parameters.append(("time", String(format: "%.3f", time.timeIntervalSince1970))) }
        let endpoint = LiveSourceReader.endpoint(url, "/api/v1/query", query: parameters)
        let json = try await LiveSourceReader.getJSON(client, endpoint, timeout: timeout, what: "Prometheus")
        guard json["status"] == .string("success"), let data = json["data"] else {
            let error = json["error"].flatMap { if case .string(let text) = $0 { return ": \(text)" } else { return nil } } ?? ""
            throw SourceFailure("Prometheus refused the query\(error)")
        }
        let sample: JSONValue?
        switch data["resultType"] {
        case .string("scalar")?:
            sample = data["result"]
        case .string("vector")?:
            guard case .array(let series)? = data["result"], !series.isEmpty else {
                throw SourceFailure("the query returned no series\(time == nil ? "" : " for that moment")")
            }
            guard series.count == 1 else { throw SourceFailure("the query returned \(series.count) series; aggregate it to one (e.g. sum(...))") }
            sample = series[0]["value"]
        default:
            throw SourceFailure(
                "the query returned \(data["resultType"].map { "a \($0.serialized()) result" } ?? "no resultType"); an instant vector or scalar is needed")
        }
        guard case .array(let pair)? = sample, pair.count == 2, let value = LiveSourceReader.number(pair[1]) else {
            throw SourceFailure("the query's value is not a number")
        }
        return value
    }
}

/// Plausible's realtime visitors: `GET /api/v1/stats/realtime/visitors?site_id=S` with the API key
/// as a bearer token; the answer is a bare number.
struct PlausibleSource {
    let client: HTTPClient

    func visitors(url: String, siteID: String, apiKey: String, timeout: Double) async throws(SourceFailure) -> Double {
        let endpoint = LiveSourceReader.endpoint(url, "/api/v1/stats/realtime/visitors", query: [("site_id", siteID)])
        let json = try await LiveSourceReader.getJSON(client, endpoint, headers: [("Authorization", "Bearer \(apiKey)")], timeout: timeout, what: "Plausible")
        guard let value = LiveSourceReader.number(json) else { throw SourceFailure("Plausible's answer is not a number of visitors") }
        return value
    }
}

/// Any JSON document and a dot path into it (`data.visitors`, `items.0.count`).
struct JSONSource {
    let client: HTTPClient

    func value(url: String, field: String, timeout: Double) async throws(SourceFailure) -> Double {
        let json = try await LiveSourceReader.getJSON(client, url, timeout: timeout, what: "the JSON source")
        guard let value = LiveSourceReader.number(Self.lookup(json, field)) else {
            throw SourceFailure("'\(field)' is \(Self.lookup(json, field) == nil ? "not in the document" : "not a number") at \(HTTPTransport.hostOnly(url))")
        }
        return value
    }

    static func lookup(_ json: JSONValue, _ path: String) -> JSONValue? {
        var current: JSONValue? = json
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            switch current {
            case .object?: current = current?[String(part)]
            case .array(let items)?:
                guard let index = Int(part), items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }
}

extension JSONValue {
    /// The member `key` of an object (the first, if repeated); nil for anything else.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }
}
