import Foundation
import PlaybookCore
import Synchronization

/// A request to the watcher's HTTP listener, as the listener read it.
public struct WatchRequest: Sendable {
    public var method: String
    /// The path, without the query string.
    public var path: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

public struct WatchResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var headers: [String: String]
    public var body: String

    public init(status: Int, contentType: String = "application/json", headers: [String: String] = [:], body: String) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ value: JSONValue, headers: [String: String] = [:]) -> WatchResponse {
        WatchResponse(status: status, headers: headers, body: value.serialized() + "\n")
    }

    /// A refusal: `{"error": reason}`. Nothing changed.
    static func refusal(_ status: Int, _ reason: String, headers: [String: String] = [:]) -> WatchResponse {
        json(status, .object([("error", .string(reason))]), headers: headers)
    }
}

extension Watcher {
    /// The largest webhook body taken (larger ones get 413 from the listener, unread).
    public static let maximumBody = WebhookRequest.maximumBodyBytes

    /// Answers one request of the listener: `/healthz`, `/metrics`, or a webhook trigger's path.
    /// A bad request gets a 4xx with its reason and changes nothing.
    public func handle(_ request: WatchRequest) async -> WatchResponse {
        switch request.path {
        case "/healthz":
            guard request.method == "GET" || request.method == "HEAD" else { return .refusal(405, "/healthz takes GET", headers: ["Allow": "GET, HEAD"]) }
            return await health()
        case "/metrics":
            guard request.method == "GET" || request.method == "HEAD" else { return .refusal(405, "/metrics takes GET", headers: ["Allow": "GET, HEAD"]) }
            let deliveries = await deliveryTotals.current(configuration.journal)
            return WatchResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render(deliveries: deliveries))
        default:
            let response = await webhook(request)
            metrics.webhook(status: response.status)
            let level = response.status >= 400
            configuration.reporter.report(
                WatchEvent(
                    time: configuration.clock.now(), name: level ? "webhook_refused" : "webhook_received", playbook: nil,
                    fields: [("path", .string(request.path)), ("status", .number(Double(response.status)))],
                    message:
                        "\(request.method) \(request.path): \(response.status)\(level ? " " + response.body.trimmingCharacters(in: .whitespacesAndNewlines) : "")",
                    isWarning: level))
            return response
        }
    }

    /// A webhook trigger's request: `WebhookRequest` decides (path, method, size, signature,
    /// JSON body; the code the fuzzer exercises), then the trigger's monitor takes the payload.
    private func webhook(_ request: WatchRequest) async -> WatchResponse {
        let route = webhooks[request.path]
        let endpoints = route.map { [WebhookRequest.Endpoint(trigger: $0.trigger, path: request.path, secret: $0.secret)] } ?? []
        let now = Int64(configuration.clock.now().timeIntervalSince1970.rounded(.down))
        let verdict = WebhookRequest.verify(
            method: request.method, target: request.path, headers: request.headers.map { (name: $0.0, value: $0.1) }, body: request.body,
            endpoints: endpoints, now: now, firstUse: { signature, expiry in self.seenSignatures.withLock { $0.firstUse(signature, until: expiry, now: now) } })
        guard let route, case .accepted(_, let payload) = verdict else {
            if case .rejected(let status, let reason) = verdict { return .refusal(status, reason, headers: status == 405 ? ["Allow": "POST"] : [:]) }
            return .refusal(404, "no webhook trigger listens on \(request.path)")
        }
        guard leadership.leads(route.monitor.name) else {
            // Only the runner holding the playbook's lease evaluates it: a 503 sends the alert elsewhere.
            return .refusal(503, "another runner leads playbook '\(route.monitor.name)'; send the alert to it (or through a balancer that retries)")
        }
        let (holds, open) = await route.monitor.webhook(route.trigger, payload: payload)
        return .json(
            202,
            .object([
                ("playbook", .string(route.monitor.name)), ("trigger", .string(route.trigger)),
                ("condition", .string(holds ? "holds" : "clear")), ("incident_open", .bool(open)),
            ]))
    }

    /// The paths of webhook triggers without a `secret`: anyone who reaches the listener can fire them.
    public var unsignedWebhookPaths: [String] { webhooks.filter { $0.value.secret == nil }.keys.sorted() }

    /// The warning to give at start when unsigned webhook triggers listen beyond loopback
    /// (`loopback`: whether the listener is bound to a loopback address); nil otherwise.
    public func unsignedExposureWarning(address: String, loopback: Bool) -> WatchEvent? {
        let paths = unsignedWebhookPaths
        guard !loopback, !paths.isEmpty else { return nil }
        return WatchEvent(
            time: configuration.clock.now(), name: "webhook_unsigned", playbook: nil,
            fields: [("address", .string(address)), ("paths", .array(paths.map(JSONValue.string)))],
            message:
                "warning: webhook trigger path\(paths.count == 1 ? "" : "s") \(paths.joined(separator: ", ")) take\(paths.count == 1 ? "s" : "") unsigned requests and the listener on \(address) is reachable beyond this machine: anyone who reaches it can fire the playbook. Give each trigger a 'secret', or listen on 127.0.0.1 behind a proxy",
            isWarning: true)
    }

    /// 200 while every probing trigger completes its cycles on time; 503 when some have not
    /// completed one for three intervals, or when stopping.
    func health() async -> WatchResponse {
        let now = configuration.clock.now()
        if configuration.stop.isRequested { return .json(503, .object([("status", .string("stopping"))])) }
        let last = metrics.lastCycles()
        let started = startedAt.withLock { $0 }
        var late: [String] = []
        for item in probed {
            let allowance = 3 * item.every + item.timeout
            let key = WatchMetrics.TriggerKey(playbook: item.playbook.name.value, trigger: item.trigger.id.value)
            let reference = last[key] ?? started
            if now.timeIntervalSince(reference) > allowance { late.append("\(key.playbook)/\(key.trigger)") }
        }
        var open: [JSONValue] = []
        for monitor in monitors where await monitor.isIncidentOpen { open.append(.string(monitor.name)) }
        let leading = leadership.playbooks.sorted().map(JSONValue.string)
        let body: JSONValue = .object([
            ("status", .string(late.isEmpty ? "ok" : "late")), ("playbooks", .number(Double(monitors.count))),
            ("probed_triggers", .number(Double(probed.count))), ("late_triggers", .array(late.map(JSONValue.string))),
            ("incidents_open", .array(open)), ("leading", .array(leading)),
        ])
        return .json(late.isEmpty ? 200 : 503, body)
    }
}
