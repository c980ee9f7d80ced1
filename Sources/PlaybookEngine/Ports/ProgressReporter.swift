import Foundation

/// What the engine tells whoever watches a run (a terminal, a log, a test).
public enum ProgressEvent: Sendable, Equatable {
    case incidentOpened(id: String, resumed: Bool)
    case stepWaiting(step: String, until: Date)
    case stepStarted(step: String)
    case stepFinished(step: String, status: StepStatus, detail: String?)
    /// Fan-out progress of a notify/post step: deliveries done (sent or failed) of the total known
    /// so far. `counting` while contacts are still being read: the total is then a lower bound
    /// that grows (a fan-out starts sending before it has read every contact).
    case deliveries(step: String, done: Int, failed: Int, total: Int, counting: Bool = false)
    case log(step: String?, message: String)
}

public protocol ProgressReporter: Sendable {
    func report(_ event: ProgressEvent)
}

/// Reports nothing.
public struct SilentProgress: ProgressReporter {
    public init() {}
    public func report(_ event: ProgressEvent) {}
}
