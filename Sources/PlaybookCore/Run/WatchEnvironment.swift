/// The `${env.X}` values `playbook watch` needs, checked before it starts.
///
/// A watcher runs for weeks; it must not find out at 3 a.m., when the first probe is due, that
/// the Plausible key was never exported. So the values it reads before anything fires (a
/// source's URL and key, a webhook trigger's secret) must be set and credentials long enough,
/// or the playbook is refused. A channel's values are read only when a step runs: an unset one
/// is a warning (that channel fails, the rest of the run goes), but a set credential too short
/// to be masked in the logs is refused all the same.
public enum WatchEnvironment {
    /// A value read before anything fires, and who reads it.
    public struct Need: Sendable, Equatable {
        public var value: ConfigValue
        /// In the user's words: "source 'web'", "webhook trigger 'hook'".
        public var owner: String
        public var isCredential: Bool
    }

    /// Sources' URLs and keys and webhook secrets, in the playbook's order.
    public static func needs(of playbook: Playbook) -> [Need] {
        var needs: [Need] = []
        for source in playbook.sources {
            let owner = "source '\(source.id.value)'"
            switch source.kind {
            case .prometheus(let url, _), .json(let url, _):
                needs.append(Need(value: url, owner: owner, isCredential: false))
            case .plausible(let url, _, let key):
                needs += [Need(value: url, owner: owner, isCredential: false), Need(value: key, owner: owner, isCredential: true)]
            case .csv:
                break
            }
        }
        for trigger in playbook.triggers {
            if case .webhook(let hook) = trigger.kind, let secret = hook.secret {
                needs.append(Need(value: secret, owner: "webhook trigger '\(trigger.id.value)'", isCredential: true))
            }
        }
        return needs
    }

    /// Checks `playbook` against `environment`: warnings for channel values that are unset, then
    /// the errors that refuse it, by position in the file.
    public static func admission(of playbook: Playbook, in environment: [String: String]) -> PlaybookBatch.Admission {
        var errors: [Diagnostic] = []
        for need in needs(of: playbook) {
            for name in need.value.environmentNames {
                guard let set = environment[name] else {
                    errors.append(.error("environment variable '\(name)' is not set (\(need.owner) needs it to watch)", at: need.value.location))
                    continue
                }
                if need.isCredential, let short = RunEnvironment.shortness(of: set) {
                    errors.append(.error("environment variable '\(name)' is \(short) (\(need.owner) needs it to watch)", at: need.value.location))
                }
            }
        }
        var warnings: [Diagnostic] = []
        for channel in playbook.channels {
            for (field, value) in channel.fields.sorted(by: { $0.value.location < $1.value.location }) {
                for name in value.environmentNames {
                    guard let set = environment[name] else { continue }
                    if RunEnvironment.credentialFields.contains(field), let short = RunEnvironment.shortness(of: set) {
                        errors.append(
                            .error("environment variable '\(name)' is \(short) (channel '\(channel.id.value)', field '\(field)')", at: value.location))
                    }
                }
            }
            for value in channel.configValues {
                for name in value.environmentNames where environment[name] == nil {
                    warnings.append(
                        .warning("environment variable '\(name)' is not set: channel '\(channel.id.value)' will fail when a step uses it", at: value.location))
                }
            }
        }
        return PlaybookBatch.Admission(diagnostics: warnings + errors.sorted { $0.location < $1.location }, refused: !errors.isEmpty)
    }

    /// The line `watch` ends with when it refuses to start, or nil when every playbook can be watched.
    public static func refusal(of batch: PlaybookBatch) -> String? {
        batch.isValid ? nil : "refusing to start: \(batch.refused) of \(batch.count) cannot be watched"
    }
}
