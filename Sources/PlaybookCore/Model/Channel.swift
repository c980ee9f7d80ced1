/// A `channels:` entry: a configured way to reach people or a platform.
public struct Channel: Sendable {
    public var id: Located<String>
    public var type: ChannelType
    /// The type's fields as written (see `ChannelType.fields`), each possibly naming `${env.X}`.
    public var fields: [String: ConfigValue]
    /// Extra request headers (`webhook` channels).
    public var headers: [String: ConfigValue] = [:]
    /// Calls in flight at once.
    public var concurrency: Int = 16
    /// What `concurrency` may be: at most 64, the bound on deliveries attempted but not yet
    /// journaled as done (what a crash may leave in doubt); more is a validation error, never a
    /// silent cap.
    public static let concurrencyRange = 1...64
    public var rate: Rate?
    /// Replaces the API's scheme, host and port.
    public var baseURL: ConfigValue?

    public subscript(field: String) -> ConfigValue? { fields[field] }

    /// Every value of the channel that names the environment.
    public var configValues: [ConfigValue] {
        Array(fields.values) + Array(headers.values) + (baseURL.map { [$0] } ?? [])
    }
}

/// `rate: 10/s` or `rate: 600/m`: at most `count` calls in any sliding `period` seconds.
public struct Rate: Sendable, Equatable {
    public var count: Int
    public var period: Double

    public static func parse(_ text: String) -> Rate? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingBlanks()), count > 0 else { return nil }
        switch parts[1].trimmingBlanks() {
        case "s": return Rate(count: count, period: 1)
        case "m": return Rate(count: count, period: 60)
        default: return nil
        }
    }
}

/// A time of day window `HH:MM-HH:MM`, which may wrap midnight (`21:00-08:00`).
public struct TimeWindow: Sendable, Equatable {
    /// Minutes after midnight.
    public var start: Int
    public var end: Int

    public static func parseTimeOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        return h * 60 + m
    }

    public static func parse(_ text: String) -> TimeWindow? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = parseTimeOfDay(parts[0].trimmingBlanks()),
            let end = parseTimeOfDay(parts[1].trimmingBlanks()), start != end
        else { return nil }
        return TimeWindow(start: start, end: end)
    }

    /// Whether a minute of the day falls in the window.
    public func contains(minuteOfDay minute: Int) -> Bool {
        start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }
}
