import Foundation

/// A scenario file (docs/ci.md): a playbook, a moment, facts, replayed observations, and what must happen.
public struct Scenario: Sendable {
    public var file: String
    public var name: String
    public var playbookPath: Located<String>
    public var at: Date
    public var trigger: Located<String>?
    public var set: [(name: Located<String>, value: JSONValue)] = []
    public var observations: [Observation] = []
    /// How each approve step is decided (`approvals: {STEP: approve|deny|timeout}`).
    public var approvals: [(step: Located<String>, decision: ApprovalDecision)] = []
    public var expect = Expectations()

    public struct Expectations: Sendable {
        public var firesAt: Located<Date>?
        public var resolvesAt: Located<Date>?
        public var steps: [StepExpectation] = []
        public var notRun: [Located<String>] = []
    }

    public struct StepExpectation: Sendable {
        public var id: Located<String>
        public var offset: Located<Double>?
        public var runs: Located<Bool>?
        public var startsAt: Located<Date>?
    }
}
