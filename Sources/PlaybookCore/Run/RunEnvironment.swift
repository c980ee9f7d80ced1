/// The `${env.X}` values a run of a playbook will resolve, checked before it opens an incident.
///
/// During an outage an unset token must stop the run *before* anything is sent: a run that
/// mails VIPs and then finds the X token missing ten minutes later has already half happened.
/// So `playbook run` resolves every value its steps and recovery will use first, and names each
/// unset (or implausibly short) one together with the steps it would break.
public enum RunEnvironment {
    /// Fields that hold credentials. A value of one of these shorter than
    /// `minimumSecretLength` is refused like an unset one: a 3-character token is a mistake
    /// (an unexpanded shell variable, a placeholder), and too short to be masked in output.
    public static let credentialFields: Set<String> = [
        "token", "password", "auth_token", "access_token", "secret", "api_key", "app_password", "bot_token", "developer_token", "webhook_url",
    ]

    /// The shortest credential value accepted.
    public static let minimumSecretLength = 4

    /// One environment variable a run needs, with everything that needs it.
    public struct Need: Sendable, Equatable {
        public var name: String
        /// What reads it, in the user's words: "channel 'x'", "step 'hook' (url)", "source 'web'".
        public var owners: [String]
        /// The steps (of `steps` or `recovery`) whose calls read it, in the playbook's order.
        public var steps: [String]
        /// Whether any field it fills is a credential (see `credentialFields`).
        public var isCredential: Bool
        /// Where it is first written.
        public var location: SourceLocation
    }

    /// A need the environment does not meet.
    public struct Problem: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case unset
            /// Set, but shorter than `minimumSecretLength` characters (the length, never the value).
            case tooShort(length: Int)
        }

        public var need: Need
        public var kind: Kind

        /// "not set", "only 3 characters long (a credential needs at least 4)".
        public var reason: String {
            switch kind {
            case .unset: return "not set"
            case .tooShort(let length): return RunEnvironment.shortness(length: length)
            }
        }
    }

    /// Every `${env.X}` that running `steps` and `recovery` resolves: the channels they use
    /// (all of each channel's values), a `webhook` step's own `url`, and, when `probing`
    /// names a `traffic_drop` trigger, the values of the source it reads. `recoveryOnly`: what
    /// `playbook recover` needs (its recovery steps alone).
    public static func needs(of playbook: Playbook, probing trigger: Trigger? = nil, recoveryOnly: Bool = false) -> [Need] {
        var order: [String] = []
        var byName: [String: Need] = [:]
        func add(_ value: ConfigValue, owner: String, steps: [String], credential: Bool) {
            for name in value.environmentNames {
                if var need = byName[name] {
                    if !need.owners.contains(owner) { need.owners.append(owner) }
                    for step in steps where !need.steps.contains(step) { need.steps.append(step) }
                    need.isCredential = need.isCredential || credential
                    byName[name] = need
                } else {
                    order.append(name)
                    byName[name] = Need(name: name, owners: [owner], steps: steps, isCredential: credential, location: value.location)
                }
            }
        }
        let allSteps = recoveryOnly ? playbook.recovery : playbook.steps + playbook.recovery
        for channel in playbook.channels {
            let users = allSteps.filter { step in step.action.channels.contains { $0.value == channel.id.value } }.map(\.id.value)
            guard !users.isEmpty else { continue }
            let owner = "channel '\(channel.id.value)'"
            for (field, value) in channel.fields.sorted(by: { $0.value.location < $1.value.location }) {
                add(value, owner: owner, steps: users, credential: credentialFields.contains(field))
            }
            for (_, value) in channel.headers.sorted(by: { $0.value.location < $1.value.location }) { add(value, owner: owner, steps: users, credential: false) }
            if let base = channel.baseURL { add(base, owner: owner, steps: users, credential: false) }
        }
        for step in allSteps {
            if case .webhook(_, let url?, _, _) = step.action { add(url, owner: "step '\(step.id.value)' (url)", steps: [step.id.value], credential: false) }
        }
        if let trigger, case .trafficDrop(let drop) = trigger.kind, let source = playbook.source(drop.source.value) {
            let owner = "source '\(source.id.value)' (read once for trigger '\(trigger.id.value)')"
            switch source.kind {
            case .prometheus(let url, _), .json(let url, _): add(url, owner: owner, steps: [], credential: false)
            case .plausible(let url, _, let key):
                add(url, owner: owner, steps: [], credential: false)
                add(key, owner: owner, steps: [], credential: true)
            case .csv: break
            }
        }
        let stepOrder = Dictionary(allSteps.enumerated().map { ($1.id.value, $0) }, uniquingKeysWith: { a, _ in a })
        return order.compactMap { name in
            guard var need = byName[name] else { return nil }
            need.steps.sort { (stepOrder[$0] ?? 0) < (stepOrder[$1] ?? 0) }
            return need
        }
    }

    /// Why a credential of `value`'s length is refused ("set but empty", "only 3 characters
    /// long (…)"), or nil when it is long enough. `run`, `recover` and `watch` say it alike.
    public static func shortness(of value: String) -> String? {
        value.count < minimumSecretLength ? shortness(length: value.count) : nil
    }

    static func shortness(length: Int) -> String {
        length == 0 ? "set but empty" : "only \(length) character\(length == 1 ? "" : "s") long (a credential needs at least \(minimumSecretLength))"
    }

    /// The needs `environment` does not meet: unset variables, and credentials shorter than
    /// `minimumSecretLength` characters.
    public static func problems(_ needs: [Need], in environment: [String: String]) -> [Problem] {
        needs.compactMap { need in
            guard let value = environment[need.name] else { return Problem(need: need, kind: .unset) }
            if need.isCredential, value.count < minimumSecretLength { return Problem(need: need, kind: .tooShort(length: value.count)) }
            return nil
        }
    }

    /// The lines that name each problem and what it breaks, e.g.
    /// `  X_TOKEN  not set: channel 'x' (steps speak-elsewhere, back)`. Never a value.
    public static func describe(_ problems: [Problem], playbook: Playbook) -> [String] {
        let recoveryIDs = Set(playbook.recovery.map(\.id.value))
        let width = problems.map(\.need.name.count).max() ?? 0
        return problems.map { problem in
            let need = problem.need
            let padding = String(repeating: " ", count: max(0, width - need.name.count))
            let steps = need.steps.map { recoveryIDs.contains($0) ? "\($0) (recovery)" : $0 }
            let breaks = steps.isEmpty ? "" : " — breaks step\(steps.count == 1 ? "" : "s") \(steps.joined(separator: ", "))"
            return "  \(need.name)\(padding)  \(problem.reason): \(need.owners.joined(separator: ", "))\(breaks)"
        }
    }
}
