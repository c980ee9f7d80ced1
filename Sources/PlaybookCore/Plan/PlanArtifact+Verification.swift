extension PlanArtifact {
    /// What `run --plan` runs with once its plan is verified: the trigger and the facts the plan
    /// was made for, not the ones given on the command line (those only have to agree).
    public struct Approved: Sendable {
        public var trigger: String
        public var assignments: [(path: [String], value: Value)]
    }

    /// Why `run --plan` refuses to run.
    public enum Refusal: Error, Sendable, CustomStringConvertible {
        /// The plan file cannot be read, is not a plan, or records a fact this playbook cannot
        /// take: a usage error (exit 2).
        case unusable(String)
        /// The playbook, its contacts or the facts changed since the plan was made (exit 1):
        /// what was reviewed is not what would run.
        case drifted(plan: String, changes: [String])

        public var description: String {
            switch self {
            case .unusable(let reason):
                return reason
            case .drifted(let plan, let changes):
                return "refusing to run: the plan \(plan) no longer matches:\n" + changes.map { "  - \($0)" }.joined(separator: "\n")
            }
        }
    }

    /// Reads the plan at `path` and checks it against the playbook as it is now. `trigger` and
    /// `assignments` are those of the command line: when either is given, both must match the
    /// plan's (an unset trigger stands for the plan's).
    public static func verify(
        _ path: String, playbookBytes: [UInt8], playbook: Playbook, trigger: String?, assignments: [String]
    ) throws(Refusal) -> Approved {
        let recorded: Recorded
        do { recorded = try read(path) } catch { throw .unusable(error.description) }
        let given =
            assignments.isEmpty && trigger == nil
            ? nil : Facts(trigger: trigger ?? recorded.facts.trigger, start: recorded.facts.start, assignments: assignments)
        let changes = drift(of: recorded, playbookBytes: playbookBytes, playbook: playbook, facts: given)
        if !changes.isEmpty { throw .drifted(plan: path, changes: changes) }
        let scope = Planner.scope(of: playbook)
        var approved = Approved(trigger: recorded.facts.trigger, assignments: [])
        for assignment in recorded.facts.assignments {
            do { approved.assignments.append(try FactAssignment.parse(assignment, scope: scope)) } catch { throw .unusable(error.description) }
        }
        return approved
    }
}
