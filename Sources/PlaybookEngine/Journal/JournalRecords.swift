import Foundation
import PlaybookCore

/// An incident as the journal keeps it.
public struct IncidentRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Steps are running or due.
        case active
        /// Resolved: recovery is running or due.
        case recovering
        /// Everything done.
        case finished
    }

    public var id: String
    public var playbook: String
    public var trigger: String
    public var startedAt: Date
    public var resolvedAt: Date?
    public var status: Status
    /// The `trigger.*` facts (JSON object) the incident was opened with.
    public var facts: String

    public init(id: String, playbook: String, trigger: String, startedAt: Date, resolvedAt: Date? = nil, status: Status = .active, facts: String = "{}") {
        self.id = id
        self.playbook = playbook
        self.trigger = trigger
        self.startedAt = startedAt
        self.resolvedAt = resolvedAt
        self.status = status
        self.facts = facts
    }
}

/// The outcome of a step in an incident (`steps.ID.status`, plus bookkeeping).
public enum StepStatus: String, Sendable, Equatable, CaseIterable {
    case pending, running, succeeded, failed, skipped

    public var isFinal: Bool { self == .succeeded || self == .failed || self == .skipped }
}

public struct StepRecord: Sendable, Equatable {
    public var incident: String
    public var step: String
    public var section: String
    public var status: StepStatus
    public var attempts: Int
    public var startedAt: Date?
    public var finishedAt: Date?
    public var detail: String?

    public init(incident: String, step: String, section: String, status: StepStatus, attempts: Int, startedAt: Date?, finishedAt: Date?, detail: String?) {
        self.incident = incident
        self.step = step
        self.section = section
        self.status = status
        self.attempts = attempts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.detail = detail
    }
}

/// The state of one delivery (a message to one address on one channel, or one post).
public enum DeliveryStatus: String, Sendable, Equatable, CaseIterable {
    /// Journaled, not yet attempted.
    case pending
    /// An attempt has started and is not known to have finished: retried with the same key on resume.
    case attempting
    /// Waiting for quiet hours to end.
    case deferred
    case sent
    case failed
    /// Deferred by quiet hours and not sent: the incident resolved before they ended.
    case cancelled
}

public struct DeliveryRecord: Sendable, Equatable {
    public var key: String
    public var incident: String
    public var step: String
    public var channel: String
    public var contact: String
    public var address: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var deferredUntil: Date?
    public var detail: String?

    public init(key: String, incident: String, step: String, channel: String, contact: String, address: String,
                status: DeliveryStatus, attempts: Int = 0, deferredUntil: Date? = nil, detail: String? = nil) {
        self.key = key
        self.incident = incident
        self.step = step
        self.channel = channel
        self.contact = contact
        self.address = address
        self.status = status
        self.attempts = attempts
        self.deferredUntil = deferredUntil
        self.detail = detail
    }
}

/// A delivery's new state, for `Journal.markDeliveries`: `attempts` (made by this run) is added
/// to the journaled count.
public struct DeliveryMark: Sendable, Equatable {
    public var key: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var detail: String?
    public var at: Date

    public init(key: String, status: DeliveryStatus, attempts: Int = 0, detail: String? = nil, at: Date) {
        self.key = key
        self.status = status
        self.attempts = attempts
        self.detail = detail
        self.at = at
    }
}

/// A trigger's state as `playbook watch` keeps it, so that a restarted watcher carries on where
/// it stopped instead of firing again.
public struct SavedTriggerState: Sendable, Equatable {
    public var trigger: String
    public var state: TriggerStateMachine.TriggerState
    /// When the condition was last observed (nil: never).
    public var observedAt: Date?
    /// The facts of the last observation (JSON object), for the incident a later fire opens.
    public var facts: String

    public init(trigger: String, state: TriggerStateMachine.TriggerState, observedAt: Date?, facts: String = "{}") {
        self.trigger = trigger
        self.state = state
        self.observedAt = observedAt
        self.facts = facts
    }
}
