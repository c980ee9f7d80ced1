import Foundation

/// What actually happened to a step of an incident, drawn over its planned lane.
public struct StepActual: Sendable, Equatable {
    public var startedAt: Date?
    /// nil while the step is still going.
    public var finishedAt: Date?

    public init(startedAt: Date?, finishedAt: Date?) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension Plan {
    /// The plan's timeline picture alone (`<svg id="timeline">`), for the console: each step's
    /// planned mark, and under it a dark bar from when it actually started to when it ended (to
    /// `now` while it runs). Steps are measured from the incident's start, recovery from the
    /// resolution, as in `plan --format html`.
    public func timelineSVG(actual: [String: StepActual], now: Date) -> String {
        var renderer = PlanHTMLRenderer(plan: self)
        renderer.actual = actual
        renderer.now = now
        let svg = renderer.svg()
        return svg.hasPrefix("<svg ") ? "<svg id=\"timeline\" " + svg.dropFirst(5) : svg
    }
}
