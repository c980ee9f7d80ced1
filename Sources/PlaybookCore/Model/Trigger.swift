/// A trigger of triggers (docs/language.md): what to watch and how long a condition must hold.
public struct Trigger: Sendable {
    public var id: Located<String>
    public var kind: TriggerKind
    /// Seconds the condition must hold before the trigger fires (`for`).
    public var holdFor: Double = 0
    /// Seconds every fired trigger must be clear before the incident resolves (`clear_for`).
    public var clearFor: Double = 300

    public var kindName: String { kind.name }
}

public enum TriggerKind: Sendable {
    case platformDown(PlatformDownTrigger)
    case trafficDrop(TrafficDropTrigger)
    case manual
    case webhook(WebhookTrigger)

    public static let names = ["platform_down", "traffic_drop", "manual", "webhook"]

    public var name: String {
        switch self {
        case .platformDown: return "platform_down"
        case .trafficDrop: return "traffic_drop"
        case .manual: return "manual"
        case .webhook: return "webhook"
        }
    }
}

public struct PlatformDownTrigger: Sendable {
    public enum DownWhen: String, Sendable, CaseIterable { case any, majority, all }

    public var platforms: [Located<String>] = []
    /// Checks overriding the catalog's; nil means the catalog's defaults.
    public var checks: [ProbeCheck]?
    public var downWhen: DownWhen = .majority
    public var every: Double = 30
    public var timeout: Double = 10
}

/// One probe of a platform's health.
public enum ProbeCheck: Sendable {
    case http(url: String, expect: ClosedRange<Int>)
    case dns(name: String, server: String?)
    case statuspage(url: String, component: String?)
}

public struct TrafficDropTrigger: Sendable {
    public enum Baseline: Sendable, Equatable {
        /// The value at the same time, this many seconds earlier.
        case ago(Double)
        case fixed(Double)
    }

    public var source: Located<String>
    /// Fraction 0...1: fires when the value is at or below (1 - drop) of the baseline.
    public var drop: Double
    public var baseline: Baseline
    public var every: Double = 60
}

public struct WebhookTrigger: Sendable {
    public var path: String
    public var secret: ConfigValue?
}

/// A `sources:` entry: where `traffic_drop` reads its numbers.
public struct DataSource: Sendable {
    public enum Kind: Sendable {
        case prometheus(url: ConfigValue, query: String)
        case plausible(url: ConfigValue, siteID: String, apiKey: ConfigValue)
        case json(url: ConfigValue, field: String)
        case csv(path: String)
    }

    public static let typeNames = ["prometheus", "plausible", "json", "csv"]

    public var id: Located<String>
    public var kind: Kind
    /// Where a `csv` source's `path` is written, for diagnostics about the file.
    public var pathLocation: SourceLocation?
}
