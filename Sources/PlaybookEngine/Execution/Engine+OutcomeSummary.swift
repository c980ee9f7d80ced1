extension Engine.Outcome {
    /// The closing line of `run` and `recover`: "incident ID: 3 succeeded, 1 failed", in the
    /// order steps move through their statuses (never the dictionary's order, so the line is
    /// the same on every run); nil when no incident was opened or resumed. An interrupted run
    /// says it stopped (its unfinished steps have no status yet), never "nothing to do", which
    /// under stress reads as "nothing was needed".
    public var summary: String? {
        guard let incident else { return nil }
        let counts = Dictionary(grouping: statuses.values, by: { $0 }).mapValues(\.count)
        let parts = StepStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
        if interrupted {
            return "incident \(incident): " + (parts.isEmpty ? "stopped before any step ended" : parts.joined(separator: ", ") + "; stopped before the rest ended")
        }
        return "incident \(incident): \(parts.isEmpty ? "nothing to do" : parts.joined(separator: ", "))"
    }
}
