import AsyncHTTPClient
import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

@testable import PlaybookChannels

/// The sources of `traffic_drop`, each against a loopback fake (or a file): Prometheus's instant
/// query API (now, and at a past moment for a "7d" baseline), Plausible's realtime visitors, a
/// dot path into any JSON, and csv replays.
@Suite struct SourceReaderTests {
    static let now = Date(timeIntervalSince1970: 1_633_362_000)

    /// A playbook declaring `sources` (YAML), in a fresh directory with `files` beside it.
    static func playbook(_ sources: String, files: [String: String] = [:]) throws -> Playbook {
        let directory = TestScratch.root.appendingPathComponent("sources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let path = directory.appendingPathComponent("p.yaml").path
        try """
        version: 1
        playbook: p
        sources:
        \(sources.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        triggers: [{ id: t, manual: {} }]
        steps: [{ id: s, log: { message: x } }]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try PlaybookLoader.load(path: path)
        #expect(result.isValid, "\(result.diagnostics.map(\.message))")
        return try #require(result.playbook)
    }

    static func reading<T: Sendable>(environment: [String: String] = [:], _ body: (LiveSourceReader) async throws -> T) async throws -> T {
        let client = LiveProber.makeClient()
        do {
            let result = try await body(LiveSourceReader(client: client, environment: environment, origin: now))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func failure(_ body: () async throws(SourceFailure) -> Double?) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error.message
        }
    }

    @Test func prometheusNowAndAWeekAgo() async throws {
        try await LoopbackHTTPServer.with({ request in
            guard request.path == "/prom/api/v1/query" else { return .reject("path \(request.path)") }
            guard request.query["query"] == "sum(rate(http_requests_total{job=\"shop\"}[5m])) + 0" else {
                return .reject("query \(request.query["query"] ?? "-")")
            }
            let value = request.query["time"] == nil ? "123.5" : "250"
            return .json(200, #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1633362000.0,"\#(value)"]}]}}"#)
        }) { server in
            let playbook = try Self.playbook(
                """
                web: { type: prometheus, url: "\(server.baseURL)/prom", query: 'sum(rate(http_requests_total{job="shop"}[5m])) + 0' }
                """)
            try await Self.reading { (reader: LiveSourceReader) async throws in
                let source = try #require(playbook.source("web"))
                #expect(try await reader.current(source, of: playbook, at: Self.now, timeout: 30) == 123.5)
                let weekAgo = Self.now.addingTimeInterval(-7 * 86_400)
                #expect(try await reader.past(source, of: playbook, at: weekAgo, timeout: 30) == 250)
                #expect(server.requests.last?.query["time"] == String(format: "%.3f", weekAgo.timeIntervalSince1970))
                #expect(server.rejections.isEmpty)
            }
        }
    }

    @Test(arguments: [
        (#"{"status":"success","data":{"resultType":"scalar","result":[1633362000.0,"42"]}}"#, nil as String?),
        (#"{"status":"success","data":{"resultType":"vector","result":[]}}"#, "the query returned no series"),
        (
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[0,"1"]},{"metric":{"a":"2"},"value":[0,"2"]}]}}"#,
            "the query returned 2 series; aggregate it"
        ),
        (#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#, "Prometheus refused the query: parse error at char 4"),
        (#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#, "an instant vector or scalar is needed"),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[0,"NaN"]}]}}"#, "not a number"),
    ])
    func prometheusAnswers(body: String, problem: String?) async throws {
        try await LoopbackHTTPServer.with({ _ in .json(body.contains("\"error\"") ? 400 : 200, body) }) { server in
            let playbook = try Self.playbook("web: { type: prometheus, url: \"\(server.baseURL)\", query: up }")
            try await Self.reading { (reader: LiveSourceReader) async throws in
                let source = try #require(playbook.source("web"))
                let message = await Self.failure { () throws(SourceFailure) -> Double? in
                    try await reader.current(source, of: playbook, at: Self.now, timeout: 30)
                }
                if let problem {
                    #expect(
                        message?.contains(problem) == true || (body.contains("\"error\"") && message?.contains("HTTP 400") == true),
                        "\(message ?? "no failure")")
                } else {
                    #expect(message == nil)
                }
            }
        }
    }

    @Test func plausibleRealtimeVisitorsWithItsKeyAndNoSecretInFailures() async throws {
        let calls = Locked(0)
        try await LoopbackHTTPServer.with({ request in
            calls.withLock { $0 += 1 }
            guard request.path == "/api/v1/stats/realtime/visitors", request.query["site_id"] == "shop.example" else { return .reject("wrong request") }
            guard request.header("Authorization") == "Bearer plausible-key-123" else { return .json(401, #"{"error":"Invalid API key"}"#) }
            return .text(200, "37")
        }) { server in
            let playbook = try Self.playbook("web: { type: plausible, url: \"\(server.baseURL)\", site_id: shop.example, api_key: \"${env.PLAUSIBLE_KEY}\" }")
            let source = try #require(playbook.source("web"))
            try await Self.reading(environment: ["PLAUSIBLE_KEY": "plausible-key-123"]) { (reader: LiveSourceReader) async throws in
                #expect(try await reader.current(source, of: playbook, at: Self.now, timeout: 30) == 37)
                #expect(try await reader.past(source, of: playbook, at: Self.now, timeout: 30) == nil, "Plausible keeps no history the watcher can ask for")
            }
            try await Self.reading(environment: ["PLAUSIBLE_KEY": "wrong-key-456"]) { (reader: LiveSourceReader) async throws in
                let message = await Self.failure { () throws(SourceFailure) -> Double? in
                    try await reader.current(source, of: playbook, at: Self.now, timeout: 30)
                }
                #expect(message == "Plausible at \(server.baseURL) answered HTTP 401 (check the credentials)")
            }
            try await Self.reading { (reader: LiveSourceReader) async throws in
                let message = await Self.failure { () throws(SourceFailure) -> Double? in
                    try await reader.current(source, of: playbook, at: Self.now, timeout: 30)
                }
                #expect(message == "source 'web': environment variable 'PLAUSIBLE_KEY' is not set")
            }
        }
    }

    @Test func jsonDotPaths() async throws {
        try await LoopbackHTTPServer.with({ request in
            guard request.query["token"] == "tok-secret-9" else { return .json(403, "{}") }
            return .json(200, #"{"data":{"visitors":{"now":"88"},"series":[{"count":5},{"count":7}],"flag":true}}"#)
        }) { server in
            let playbook = try Self.playbook(
                """
                now: { type: json, url: "\(server.baseURL)/stats?token=${env.TOKEN}", field: data.visitors.now }
                second: { type: json, url: "\(server.baseURL)/stats?token=${env.TOKEN}", field: data.series.1.count }
                flag: { type: json, url: "\(server.baseURL)/stats?token=${env.TOKEN}", field: data.flag }
                missing: { type: json, url: "\(server.baseURL)/stats?token=${env.TOKEN}", field: data.nothing }
                """)
            try await Self.reading(environment: ["TOKEN": "tok-secret-9"]) { (reader: LiveSourceReader) async throws in
                #expect(try await reader.current(playbook.source("now")!, of: playbook, at: Self.now, timeout: 30) == 88)
                #expect(try await reader.current(playbook.source("second")!, of: playbook, at: Self.now, timeout: 30) == 7)
                let flag = await Self.failure { () throws(SourceFailure) -> Double? in
                    try await reader.current(playbook.source("flag")!, of: playbook, at: Self.now, timeout: 30)
                }
                #expect(flag == "'data.flag' is not a number at \(server.baseURL)")
                let missing = await Self.failure { () throws(SourceFailure) -> Double? in
                    try await reader.current(playbook.source("missing")!, of: playbook, at: Self.now, timeout: 30)
                }
                #expect(missing == "'data.nothing' is not in the document at \(server.baseURL)")
            }
            try await Self.reading(environment: ["TOKEN": "wrong"]) { (reader: LiveSourceReader) async throws in
                let message = await Self.failure { () throws(SourceFailure) -> Double? in
                    try await reader.current(playbook.source("now")!, of: playbook, at: Self.now, timeout: 30)
                }
                #expect(message?.contains("HTTP 403") == true)
                #expect(message?.contains("wrong") == false)
            }
        }
    }

    @Test func csvReplays() async throws {
        let csv = """
            time,value
            2021-09-27T15:40:00Z,100
            1633361000,90
            2021-10-04T15:40:00.500Z,40
            +10m,75
            """
        let playbook = try Self.playbook("web: { type: csv, path: traffic.csv }", files: ["traffic.csv": csv])
        let source = try #require(playbook.source("web"))
        try await Self.reading { (reader: LiveSourceReader) async throws in
            #expect(try await reader.current(source, of: playbook, at: Self.now, timeout: 1) == 90)
            #expect(try await reader.current(source, of: playbook, at: Self.now.addingTimeInterval(1), timeout: 1) == 40)
            #expect(try await reader.current(source, of: playbook, at: Self.now.addingTimeInterval(601), timeout: 1) == 75)
            #expect(try await reader.past(source, of: playbook, at: Self.now.addingTimeInterval(-7 * 86_400), timeout: 1) == 100)
            let before = await Self.failure { () throws(SourceFailure) -> Double? in
                try await reader.past(source, of: playbook, at: Self.now.addingTimeInterval(-30 * 86_400), timeout: 1)
            }
            #expect(before?.hasPrefix("traffic.csv has no row at or before") == true)
        }
        let broken = try Self.playbook("web: { type: csv, path: broken.csv }", files: ["broken.csv": "time,value\nyesterday,3\n"])
        try await Self.reading { (reader: LiveSourceReader) async throws in
            let message = await Self.failure { () throws(SourceFailure) -> Double? in
                try await reader.current(broken.source("web")!, of: broken, at: Self.now, timeout: 1)
            }
            #expect(message == "broken.csv:2: 'yesterday' is not a time (ISO 8601, Unix seconds, or +DURATION from the start)")
        }
    }
}
