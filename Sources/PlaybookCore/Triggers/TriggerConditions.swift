/// The conditions of the triggers' trigger kinds and the facts they expose, as `playbook test` and
/// `playbook watch` both compute them.
public enum TriggerConditions {
    /// Whether a platform is down given how many of its checks failed (`down_when`).
    public static func platformIsDown(failed: Int, of total: Int, when rule: PlatformDownTrigger.DownWhen) -> Bool {
        guard total > 0 else { return false }
        switch rule {
        case .any: return failed >= 1
        case .majority: return failed * 2 > total
        case .all: return failed == total
        }
    }

    /// A traffic drop holds when the value is at or below `(1 - drop)` of a positive baseline.
    public static func trafficDropHolds(value: Double, baseline: Double, drop: Double) -> Bool {
        baseline > 0 && value <= (1 - drop) * baseline
    }

    /// The whole percent a reading is below its baseline (negative above it), for `watch`'s
    /// detail lines: 0 without a positive baseline or for a reading that is not a number, and held
    /// within ±`maximumPercent` so that any reading (1e19, infinity, a baseline near 0) converts.
    public static func dropPercent(value: Double, baseline: Double) -> Int {
        guard baseline > 0 else { return 0 }
        let percent = ((1 - value / baseline) * 100).rounded()
        return Int(saturating: min(max(percent, -maximumPercent), maximumPercent))
    }

    /// The largest percent `dropPercent` reports: past a billion percent the figure says nothing more.
    public static let maximumPercent = 1_000_000_000.0

    /// `trigger.platforms` (and through it `trigger.platform_names`): the platforms down, in the trigger's order.
    public static func platformFacts(down: [String]) -> [String: Value] {
        ["platforms": .list(down.map(Value.text))]
    }

    /// `trigger.value`, `trigger.baseline`, `trigger.drop` (the fraction lost, 0 without a baseline).
    public static func trafficFacts(value: Double, baseline: Double) -> [String: Value] {
        ["value": .number(value), "baseline": .number(baseline), "drop": .number(baseline > 0 ? 1 - value / baseline : 0)]
    }

    /// Whether a `webhook` trigger's request says its alert is over: Alertmanager (and most
    /// alerting tools) send `"status": "resolved"`. Any other request means the condition holds.
    public static func webhookResolves(_ payload: JSONValue) -> Bool {
        guard case .object(let members) = payload, let status = members.first(where: { $0.0 == "status" })?.1, case .string(let text) = status else {
            return false
        }
        return text.lowercased() == "resolved"
    }
}
