/// Durations of the language: `30s`, `5m`, `2h`, `1d`, `1h30m`. Units run from largest to smallest,
/// each at most once.
public enum Duration {
    static let units: [(Character, Double)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// The longest duration a playbook may give (366 days: a year, leap day included), for every
    /// offset, delay, timeout, backoff, wait, window, interval and baseline. Longer is an error.
    public static let maximumSeconds = 366 * 86_400.0
    static let maximumText = "366 days ('366d')"

    /// Seconds, or nil when the text is not a well-formed duration.
    public static func parseSeconds(_ text: String) -> Double? {
        guard !text.isEmpty else { return nil }
        var total = 0.0
        var digits = ""
        var lastUnit = -1
        var sawUnit = false
        for c in text {
            if ("0"..."9").contains(c) || c == "." {
                digits.append(c)
                continue
            }
            guard let unitIndex = units.firstIndex(where: { $0.0 == c }), unitIndex > lastUnit,
                let amount = Double(digits), !digits.isEmpty
            else { return nil }
            total += amount * units[unitIndex].1
            lastUnit = unitIndex
            digits = ""
            sawUnit = true
        }
        guard digits.isEmpty, sawUnit, total.isFinite else { return nil }
        return total
    }

    /// `5400` → `1h30m`; `0` → `0s`; `86400` → `24h` (days only from two days on, as people say them).
    public static func format(seconds: Double) -> String {
        // Beyond what an Int counts (or not a number at all): say it in seconds, never trap.
        guard seconds.isFinite, abs(seconds) < 1e15 else { return seconds.isFinite ? String(format: "%.0fs", seconds) : "\(seconds)s" }
        var remaining = Int(seconds.rounded())
        if remaining == 0 { return "0s" }
        var out = remaining < 0 ? "-" : ""
        remaining = abs(remaining)
        for (unit, size) in units where unit != "d" || remaining >= 2 * 86_400 {
            let count = remaining / Int(size)
            if count > 0 {
                out += "\(count)\(unit)"
                remaining -= count * Int(size)
            }
        }
        return out
    }
}
