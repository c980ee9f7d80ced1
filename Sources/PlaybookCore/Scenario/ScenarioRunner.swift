import Foundation

/// Runs a scenario: loads its playbook, replays the observations through the trigger state
/// machines, plans the incident from the moment it fires, and checks every expectation.
public enum ScenarioRunner {
    /// The outcome of one scenario file.
    public struct Report: Sendable {
        public var file: String
        public var name: String
        /// Problems with the scenario or its playbook: it could not be run.
        public var errors: [Diagnostic]
        /// Expectations that did not hold, each at the line of the expectation.
        public var failures: [Diagnostic]
        public var duration: Double

        public var passed: Bool { errors.isEmpty && failures.isEmpty }
    }

    public static func run(path: String) -> Report {
        let clock = Date()
        var report = Report(file: path, name: (path as NSString).lastPathComponent, errors: [], failures: [], duration: 0)
        defer { report.duration = Date().timeIntervalSince(clock) }
        let bytes: [UInt8]
        do {
            bytes = try PlaybookLoader.readFile(path)
        } catch {
            report.errors = [.error(error.reason, at: SourceLocation(file: path, line: 1, column: 1))]
            return report
        }
        let (read, diagnostics) = Self.read(bytes: bytes, path: path)
        guard let scenario = read, !diagnostics.contains(where: { $0.severity == .error }) else {
            report.errors = diagnostics.filter { $0.severity == .error }
            return report
        }
        report.name = scenario.name
        report.failures = check(scenario, errors: &report.errors)
        report.duration = Date().timeIntervalSince(clock)
        return report
    }

    /// Reads the bytes of a scenario file: the scenario when it could be read, and every diagnostic.
    /// Pure (no file is opened), so that it can be fuzzed.
    public static func read(bytes: [UInt8], path: String) -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        switch YAMLDocumentLoader().load(bytes: bytes, path: path) {
        case .failure(let diagnostic, _):
            return (nil, [diagnostic])
        case .document(let root, _):
            let sink = DiagnosticSink()
            let scenario = ScenarioReader(sink: sink, file: path).read(root)
            return (scenario, sink.sorted)
        }
    }

    static func check(_ scenario: Scenario, errors: inout [Diagnostic]) -> [Diagnostic] {
        let directory = (scenario.file as NSString).deletingLastPathComponent
        let playbookPath = scenario.playbookPath.value.hasPrefix("/") ? scenario.playbookPath.value : (directory.isEmpty ? scenario.playbookPath.value : "\(directory)/\(scenario.playbookPath.value)")
        let loaded: PlaybookLoader.Result
        do {
            // Only the scenario's observations drive it: no data file is opened, not even to
            // check that it exists (it may be a fifo, or a file of someone else's).
            loaded = try PlaybookLoader.load(path: playbookPath, options: CheckOptions(dataFiles: .none))
        } catch {
            errors.append(.error("cannot load playbook: \(error.description)", at: scenario.playbookPath.location))
            return []
        }
        guard loaded.isValid, let playbook = loaded.playbook else {
            errors.append(.error("playbook '\(scenario.playbookPath.value)' is invalid (run playbook validate on it)", at: scenario.playbookPath.location))
            errors += loaded.diagnostics.filter { $0.severity == .error }
            return []
        }
        return check(scenario, playbook: playbook, errors: &errors)
    }

    /// Checks a scenario's expectations against a loaded, valid playbook: replays the
    /// observations, plans the incident, and returns the expectations that did not hold (problems
    /// that stop the scenario from running go to `errors`). Reads no file.
    public static func check(_ scenario: Scenario, playbook: Playbook, errors: inout [Diagnostic]) -> [Diagnostic] {
        // Which triggers drive the incident: the one named, else all of them.
        var triggers = playbook.triggers
        if let id = scenario.trigger {
            guard let trigger = playbook.trigger(id.value) else {
                errors.append(.error("unknown trigger '\(id.value)'\(Suggestion.hint(for: id.value, in: playbook.triggers.map(\.id.value)))", at: id.location))
                return []
            }
            triggers = [trigger]
        }
        let scope = Planner.scope(of: playbook)
        var assignments: [(path: [String], value: Value)] = []
        for (name, value) in scenario.set {
            do {
                assignments.append(try FactAssignment.typed(name: name.value, json: value, scope: scope))
            } catch {
                errors.append(.error(error.description.replacingOccurrences(of: "--set ", with: "set: "), at: name.location))
            }
        }
        for observation in scenario.observations {
            if case .platform(let name, _) = observation.subject, !triggers.contains(where: { trigger in
                if case .platformDown(let down) = trigger.kind { return down.platforms.contains { $0.value == name } }
                return false
            }) {
                errors.append(.error("observation of platform '\(name)', which no trigger of the scenario watches", at: observation.location))
            }
            if case .source(let name, _) = observation.subject, playbook.source(name) == nil {
                errors.append(.error("observation of unknown source '\(name)'\(Suggestion.hint(for: name, in: playbook.sources.map(\.id.value)))", at: observation.location))
            }
        }
        let approvals = approvalDecisions(scenario, playbook: playbook, errors: &errors)
        if !errors.isEmpty { return [] }

        var failures: [Diagnostic] = []
        var start = scenario.at
        var resolvedAt: Date?
        var firedBy = scenario.trigger?.value
        if !scenario.observations.isEmpty {
            let outcome = TriggerSimulation.run(triggers: triggers, observations: scenario.observations)
            if let firedAt = outcome.firedAt {
                start = firedAt
                firedBy = outcome.firedBy
                resolvedAt = outcome.resolvedAt
                // Facts observed at firing, unless the scenario sets them.
                for (name, value) in outcome.facts where !assignments.contains(where: { $0.path == ["trigger", name] }) {
                    assignments.append((["trigger", name], value))
                }
            } else {
                let anchor = scenario.expect.firesAt?.location ?? scenario.playbookPath.location
                if scenario.expect.firesAt != nil || !scenario.expect.steps.isEmpty {
                    failures.append(.error("the observations never fire a trigger, so no incident starts", at: anchor))
                    return failures
                }
            }
        }
        let format = TimeFormat(day: scenario.at)
        if let expected = scenario.expect.firesAt {
            if scenario.observations.isEmpty {
                if expected.value != start { failures.append(.error("fires_at: expected \(format.text(expected.value)), got \(format.text(start)) (no observations: the incident starts at 'at')", at: expected.location)) }
            } else if expected.value != start {
                failures.append(.error("fires_at: expected \(format.text(expected.value)), got \(format.text(start))", at: expected.location))
            }
        }
        if let expected = scenario.expect.resolvesAt, expected.value != resolvedAt {
            failures.append(.error("resolves_at: expected \(format.text(expected.value)), got \(resolvedAt.map(format.text) ?? "never (the incident does not resolve)")", at: expected.location))
        }

        let plan: Plan
        do {
            plan = try Planner.plan(playbook, Planner.Request(triggerID: firedBy, start: start, assignments: assignments, includeContacts: false, resolvedAt: resolvedAt, approvals: approvals))
        } catch {
            errors.append(.error(error.description, at: scenario.playbookPath.location))
            return failures
        }
        let planned = Dictionary((plan.steps + plan.recovery).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for expectation in scenario.expect.steps {
            guard let step = planned[expectation.id.value] else {
                failures.append(.error("unknown step '\(expectation.id.value)'\(Suggestion.hint(for: expectation.id.value, in: planned.keys))", at: expectation.id.location))
                continue
            }
            if let offset = expectation.offset, offset.value != step.offset {
                failures.append(.error("step '\(step.id)': expected offset \(Duration.format(seconds: offset.value)), got \(Duration.format(seconds: step.offset))", at: offset.location))
            }
            if let runs = expectation.runs, step.willRun != runs.value {
                let actual = step.willRun.map { $0 ? "it runs" : "it is skipped" } ?? "it depends on run-time facts"
                failures.append(.error("step '\(step.id)': expected runs: \(runs.value), but \(actual)\(step.reason.map { " (\($0))" } ?? "")\(Self.decideHint(step))", at: runs.location))
            }
            if let startsAt = expectation.startsAt, step.start != startsAt.value {
                failures.append(.error("step '\(step.id)': expected to start at \(format.text(startsAt.value)), got \(step.start.map(format.text) ?? "an unknown time")", at: startsAt.location))
            }
        }
        for id in scenario.expect.notRun {
            guard let step = planned[id.value] else {
                failures.append(.error("unknown step '\(id.value)' in not_run\(Suggestion.hint(for: id.value, in: planned.keys))", at: id.location))
                continue
            }
            if step.willRun != false {
                failures.append(.error("step '\(step.id)': expected not to run, but \(step.willRun == true ? "it runs" : "it depends on run-time facts (\(step.reason ?? ""))")\(Self.decideHint(step))", at: id.location))
            }
        }
        return failures
    }

    /// How to settle a step that waits on an undecided approval.
    static func decideHint(_ step: PlannedStep) -> String {
        guard step.willRun == nil, let id = step.awaitsApproval else { return "" }
        return "; decide the approval in the scenario with approvals: { \(id): approve } (or deny, timeout)"
    }

    /// The scenario's `approvals`, by step id; each must name an approve step of the playbook.
    static func approvalDecisions(_ scenario: Scenario, playbook: Playbook, errors: inout [Diagnostic]) -> [String: ApprovalDecision] {
        let steps = playbook.steps + playbook.recovery
        let approveIDs = steps.filter { $0.action.approvalRequest != nil }.map(\.id.value)
        var decisions: [String: ApprovalDecision] = [:]
        for (id, decision) in scenario.approvals {
            guard let step = steps.first(where: { $0.id.value == id.value }) else {
                let hint = Suggestion.hint(for: id.value, in: approveIDs.isEmpty ? steps.map(\.id.value) : approveIDs)
                errors.append(.error("'approvals' names unknown step '\(id.value)'\(hint)", at: id.location))
                continue
            }
            guard step.action.approvalRequest != nil else {
                let known = approveIDs.isEmpty ? "the playbook has none" : "this playbook's are \(approveIDs.map { "'\($0)'" }.joined(separator: ", "))"
                errors.append(.error("'approvals' decides approve steps only, and step '\(id.value)' is a '\(step.action.name)' step; \(known)", at: id.location))
                continue
            }
            decisions[id.value] = decision
        }
        return decisions
    }

    /// Shows times as HH:MM when on the scenario's day (UTC), else in full.
    struct TimeFormat {
        let day: Date

        func text(_ date: Date) -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            if calendar.isDate(date, inSameDayAs: day) {
                let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
                let base = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
                return (parts.second ?? 0) == 0 ? base : base + String(format: ":%02d", parts.second ?? 0)
            }
            return Plan.iso(date)
        }
    }
}
