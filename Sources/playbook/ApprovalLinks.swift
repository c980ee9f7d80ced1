import PlaybookCore

/// What `run` says at start about approval links: without a listener serving them,
/// `approval.url` renders empty and approvals are decided with `playbook approve`.
enum ApprovalLinks {
    static func warning(_ playbook: Playbook, file: String, verb: String = "run") -> String? {
        let steps = (playbook.steps + playbook.recovery).filter { $0.action.approvalRequest != nil }.map(\.id.value)
        guard let first = steps.first else { return nil }
        return "warning: approval links need --listen, which this \(verb) does not serve: approval.url renders empty; "
            + "decide with 'playbook approve \(file) \(first)' (or --deny)\(steps.count > 1 ? " for each of: \(steps.joined(separator: ", "))" : "")\n"
    }
}
