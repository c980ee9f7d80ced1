/// The timing arithmetic of steps (docs/language.md): a step's planned offset is `max(at, end(d) + delay for each d in
/// after)`, where `end(d)` is d's offset plus its duration (non-zero only for `wait`).
///
/// Offsets are counted from the incident's start for `steps` and from its resolution for
/// `recovery`. The dry-run timeline is exactly this function, so it is testable.
public enum Timeline {
    /// Offsets in seconds by step id, for one section. Unknown `after` names are ignored and a
    /// cycle (rejected by validation) is broken rather than looped on. `durations` replaces the
    /// actions' own durations by step id (a scenario's approval that times out lasts its timeout).
    public static func offsets(of steps: [Step], durations: [String: Double] = [:]) -> [String: Double] {
        let byID = Dictionary(steps.map { ($0.id.value, $0) }, uniquingKeysWith: { first, _ in first })
        var offsets: [String: Double] = [:]
        var visiting = Set<String>()

        func offset(of id: String) -> Double {
            if let known = offsets[id] { return known }
            guard let step = byID[id], visiting.insert(id).inserted else { return 0 }
            defer { visiting.remove(id) }
            var start = step.at
            for dependency in step.after {
                guard let other = byID[dependency.value], !visiting.contains(dependency.value) else { continue }
                start = max(start, offset(of: other.id.value) + (durations[other.id.value] ?? other.action.duration) + step.delay)
            }
            offsets[id] = start
            return start
        }

        for step in steps { _ = offset(of: step.id.value) }
        return offsets
    }
}
