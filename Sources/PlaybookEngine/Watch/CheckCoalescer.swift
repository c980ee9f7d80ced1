import Foundation
import PlaybookCore

/// Shares probes of the same check between triggers: a check already being probed is waited
/// for, not probed again, and a fresh enough result is reused. Ten playbooks watching Instagram
/// cost Instagram one probe per interval, not ten.
actor CheckCoalescer {
    private let prober: any Prober
    private let clock: any EngineClock
    private let metrics: WatchMetrics
    private var inFlight: [String: Task<ProbeResult, Never>] = [:]
    private var recent: [String: (at: Date, result: ProbeResult)] = [:]

    init(prober: any Prober, clock: any EngineClock, metrics: WatchMetrics) {
        self.prober = prober
        self.clock = clock
        self.metrics = metrics
    }

    /// The result of `check`, probed now unless one no older than `maxAge` seconds is at hand.
    /// Answers within `timeout` (plus a second's grace) even if the prober does not.
    func result(of check: ProbeCheck, timeout: Double, maxAge: Double) async -> ProbeResult {
        let key = Self.key(check, timeout: timeout)
        if let cached = recent[key], clock.now().timeIntervalSince(cached.at) <= maxAge { return cached.result }
        if let running = inFlight[key] { return await running.value }
        let prober = self.prober
        let clock = self.clock
        let metrics = self.metrics
        let task = Task<ProbeResult, Never> {
            let started = clock.now()
            let result = await withDeadline(timeout + 1, clock: clock, fallback: ProbeResult.down("no answer in \(Duration.format(seconds: timeout))")) {
                await prober.probe(check, timeout: timeout)
            }
            metrics.check(key: check.label, kind: check.kindName, target: check.label, result: result, seconds: clock.now().timeIntervalSince(started))
            return result
        }
        inFlight[key] = task
        let result = await task.value
        inFlight[key] = nil
        recent[key] = (clock.now(), result)
        return result
    }

    static func key(_ check: ProbeCheck, timeout: Double) -> String {
        "\(check.kindName) \(check.target) \(check.qualifier) \(timeout)"
    }
}

extension ProbeCheck {
    var kindName: String {
        switch self {
        case .http: return "http"
        case .dns: return "dns"
        case .statuspage: return "statuspage"
        }
    }

    /// The URL or name probed.
    var target: String {
        switch self {
        case .http(let url, _): return url
        case .dns(let name, _): return name
        case .statuspage(let url, _): return url
        }
    }

    /// What else tells two checks of the same target apart.
    var qualifier: String {
        switch self {
        case .http(_, let expect): return "\(expect.lowerBound)-\(expect.upperBound)"
        case .dns(_, let server): return server ?? ""
        case .statuspage(_, let component): return component ?? ""
        }
    }

    /// The target with what tells checks of it apart: "facebook.com @1.1.1.1", "https://x/ 200-499".
    var label: String {
        switch self {
        case .http(let url, let expect): return expect == 200...399 ? url : "\(url) \(expect.lowerBound)-\(expect.upperBound)"
        case .dns(let name, let server): return name + (server.map { " @\($0)" } ?? "")
        case .statuspage(let url, let component): return url + (component.map { " [\($0)]" } ?? "")
        }
    }

    /// "dns facebook.com", "http https://www.facebook.com/", for logs.
    public var summary: String {
        switch self {
        case .http(let url, _): return "http \(url)"
        case .dns(let name, let server): return "dns \(name)\(server.map { " @\($0)" } ?? "")"
        case .statuspage(let url, let component): return "statuspage \(url)\(component.map { " [\($0)]" } ?? "")"
        }
    }
}
