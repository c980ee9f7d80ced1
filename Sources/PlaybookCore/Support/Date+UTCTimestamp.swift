import Foundation

extension Date {
    /// This moment as ISO 8601 in UTC to the second (`2026-12-05T17:20:00Z`), what
    /// `ISO8601DateFormatter` writes by default, without making a formatter: a formatter costs
    /// more to make than a hundred deliveries of a fan-out, and progress lines come that often.
    public var utcTimestamp: String {
        var seconds = time_t(timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        let year = parts.tm_year + 1900
        return "\(year)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
