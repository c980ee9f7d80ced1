import Foundation

/// Reads a scenario file into a `Scenario`, with a diagnostic for every problem.
struct ScenarioReader {
    let sink: DiagnosticSink
    let file: String

    func read(_ root: YAMLNode) -> Scenario? {
        guard let top = MappingReader.open(root, "the scenario", sink) else { return nil }
        top.checkKeys(["test", "playbook", "at", "trigger", "set", "observations", "approvals", "expect"], required: ["test", "playbook", "at"])
        guard let name = top.text("test"), let playbook = top.text("playbook"), let atText = top.text("at") else { return nil }
        guard let at = Self.parseTimestamp(atText.value) else {
            sink.error("'at' must be an ISO 8601 time such as 2021-10-04T15:39:00Z, found '\(atText.value)'", at: atText.location)
            return nil
        }
        var scenario = Scenario(file: file, name: name.value, playbookPath: playbook, at: at, trigger: top.text("trigger"))
        if let set = top.value("set"), let reader = MappingReader.open(set, "'set'", sink) {
            scenario.set = reader.entries.map { (name: $0.key, value: $0.value.jsonValue) }
        }
        if let list = top.value("observations") {
            if let items = list.items {
                scenario.observations = items.compactMap { readObservation($0, day: at) }
            } else if !list.isNull {
                sink.error("'observations' must be a list, found \(list.kindDescription)", at: list.location)
            }
        }
        if let approvals = top.value("approvals"), let reader = MappingReader.open(approvals, "'approvals'", sink) {
            let choices = ApprovalDecision.allCases.map(\.rawValue)
            for entry in reader.entries {
                guard let decision = reader.choice(entry.key.value, choices).flatMap({ ApprovalDecision(rawValue: $0.value) }) else { continue }
                scenario.approvals.append((step: entry.key, decision: decision))
            }
        }
        if let expect = top.value("expect"), let reader = MappingReader.open(expect, "'expect'", sink) {
            reader.checkKeys(["fires_at", "resolves_at", "steps", "not_run"])
            scenario.expect.firesAt = time(reader, "fires_at", day: at)
            scenario.expect.resolvesAt = time(reader, "resolves_at", day: at)
            if let steps = reader.value("steps"), let stepsReader = MappingReader.open(steps, "'expect.steps'", sink) {
                for entry in stepsReader.entries {
                    guard let stepReader = MappingReader.open(entry.value, "the expectation of step '\(entry.key.value)'", sink) else { continue }
                    stepReader.checkKeys(["offset", "runs", "starts_at"])
                    var expectation = Scenario.StepExpectation(id: entry.key)
                    if let node = stepReader.value("offset"), let seconds = Units.duration(node, "'offset' of step '\(entry.key.value)'", sink, allowPlus: true) {
                        expectation.offset = Located(seconds, at: node.location)
                    }
                    if let runs = stepReader.bool("runs") { expectation.runs = Located(runs, at: stepReader.value("runs")!.location) }
                    expectation.startsAt = time(stepReader, "starts_at", day: at)
                    scenario.expect.steps.append(expectation)
                }
            }
            scenario.expect.notRun = reader.textList("not_run", allowEmpty: true) ?? []
        }
        return scenario
    }

    private func time(_ reader: MappingReader, _ key: String, day: Date) -> Located<Date>? {
        guard let text = reader.text(key) else { return nil }
        guard let date = Self.parseTime(text.value, day: day) else {
            sink.error("'\(key)' must be HH:MM (UTC, on the scenario's date) or an ISO 8601 time, found '\(text.value)'", at: text.location)
            return nil
        }
        return Located(date, at: text.location)
    }

    private func readObservation(_ node: YAMLNode, day: Date) -> Observation? {
        guard let reader = MappingReader.open(node, "an observation", sink) else { return nil }
        let isSource = reader.has("source")
        reader.checkKeys(isSource ? ["at", "source", "value"] : ["at", "platform", "up"], required: isSource ? ["at", "source", "value"] : ["at", "platform", "up"])
        guard let text = reader.text("at") else { return nil }
        guard let time = Self.parseTime(text.value, day: day) else {
            sink.error("observation 'at' must be HH:MM or an ISO 8601 time, found '\(text.value)'", at: text.location)
            return nil
        }
        if isSource {
            guard let source = reader.text("source"), let valueNode = reader.value("value") else { return nil }
            guard valueNode.isPlainScalar, let value = valueNode.scalarText.flatMap(YAMLScalar.number) else {
                sink.error("observation 'value' must be a number, found \(valueNode.kindDescription)", at: valueNode.location)
                return nil
            }
            return Observation(time: time, subject: .source(source.value, value: value), location: node.location)
        }
        guard let platform = reader.text("platform"), let up = reader.bool("up") else { return nil }
        return Observation(time: time, subject: .platform(platform.value, up: up), location: node.location)
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: text) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return iso.date(from: text)
    }

    /// `HH:MM` on the scenario's date in UTC, or a full timestamp.
    static func parseTime(_ text: String, day: Date) -> Date? {
        if let full = parseTimestamp(text) { return full }
        guard let minutes = TimeWindow.parseTimeOfDay(text) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.startOfDay(for: day).addingTimeInterval(Double(minutes * 60))
    }
}
