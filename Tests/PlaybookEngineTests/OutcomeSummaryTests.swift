import Testing

@testable import PlaybookEngine

/// The closing line of `run` and `recover`.
@Suite struct OutcomeSummaryTests {
    static func outcome(incident: String?, _ statuses: [String: StepStatus], interrupted: Bool = false) -> Engine.Outcome {
        Engine.Outcome(incident: incident, resumed: false, statuses: statuses, interrupted: interrupted, note: nil, failsRun: false)
    }

    @Test func countsAreInTheOrderStepsMoveThroughTheirStatuses() {
        let outcome = Self.outcome(incident: "inc-1", ["a": .failed, "b": .succeeded, "c": .skipped, "d": .succeeded])
        #expect(outcome.summary == "incident inc-1: 2 succeeded, 1 failed, 1 skipped")
    }

    @Test func anIncidentWithNothingToDoSaysSo() {
        #expect(Self.outcome(incident: "inc-2", [:]).summary == "incident inc-2: nothing to do")
    }

    /// A stopped run's unfinished step has no status yet: the line says the run stopped, never
    /// "nothing to do".
    @Test func anInterruptedRunSaysItStopped() {
        #expect(Self.outcome(incident: "inc-3", [:], interrupted: true).summary == "incident inc-3: stopped before any step ended")
        #expect(
            Self.outcome(incident: "inc-4", ["a": .succeeded], interrupted: true).summary
                == "incident inc-4: 1 succeeded; stopped before the rest ended")
    }

    @Test func withoutAnIncidentThereIsNoLine() {
        #expect(Self.outcome(incident: nil, ["a": .succeeded]).summary == nil)
    }
}
