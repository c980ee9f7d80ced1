import PlaybookCore

extension TriggerProbe {
    /// The trigger `run` probes once before it opens an incident, or nil. Nothing is probed when
    /// the run resumes an incident (it keeps the facts it was opened with), when it runs a
    /// reviewed plan (the plan's facts are what was approved), or when the facts a probe would
    /// learn were given with `--set`; nor for a trigger that cannot be probed (`manual`, `webhook`).
    public static func trigger(
        toProbeIn playbook: Playbook, triggerID: String?, given assignments: [(path: [String], value: Value)], resuming: Bool, planned: Bool
    ) -> Trigger? {
        guard !resuming, !planned, let trigger = try? Planner.chooseTrigger(playbook, triggerID).0 else { return nil }
        return shouldProbe(trigger, given: assignments) ? trigger : nil
    }
}
