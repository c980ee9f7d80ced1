extension RunEnvironment {
    /// What `run` and `recover` say when `${env.X}` they need are unset or too short: the
    /// refusal (the command then exits 2 with nothing sent), or with `--allow-missing-env` the
    /// warning it runs under. `verb` is "run" or "recover". Nil when nothing is missing.
    ///
    /// The refusal says what did not happen ("nothing was sent") as well as how to proceed: an
    /// operator in the middle of an outage needs to know the run can simply be started again.
    public static func refusal(_ problems: [Problem], playbook: Playbook, verb: String, allowMissing: Bool) -> (text: String, refuses: Bool)? {
        guard !problems.isEmpty else { return nil }
        let lines = describe(problems, playbook: playbook).map { $0 + "\n" }.joined()
        let count = "\(problems.count) environment variable\(problems.count == 1 ? "" : "s")"
        if allowMissing { return ("warning: running anyway (--allow-missing-env) without \(count):\n\(lines)", false) }
        let text =
            "playbook: refusing to \(verb) '\(playbook.name.value)': \(count) \(problems.count == 1 ? "is" : "are") not usable:\n\(lines)"
            + "nothing was sent and no incident was \(verb == "run" ? "opened" : "changed"); set \(problems.count == 1 ? "it" : "them") and try again, or add --allow-missing-env to run the other steps anyway\n"
        return (text, true)
    }
}
