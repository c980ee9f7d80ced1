import Foundation

/// The durable record of every incident, step attempt and delivery (docs/running.md), and of the watcher's
/// trigger states. Two implementations: `SQLiteJournal`, embedded and the default, and the
/// PostgreSQL journal of `PlaybookPostgres`, shared by several runners.
///
/// Every write returns once it is durable: a delivery is journaled before it is attempted and
/// marked when done, so a run killed at any point resumes without sending anything twice except
/// the deliveries in flight.
public protocol Journal: Sendable {
    /// Where the journal is, for messages: a file path, or a URL without its password.
    var location: String { get }

    // MARK: Incidents
    func createIncident(_ incident: IncidentRecord) async throws
    func setIncident(_ id: String, status: IncidentRecord.Status, resolvedAt: Date?) async throws
    /// The playbook's unfinished incident, if any.
    func unfinishedIncident(playbook: String) async throws -> IncidentRecord?
    func incidents(unfinishedOnly: Bool, limit: Int) async throws -> [IncidentRecord]
    func incidentStatus(_ id: String) async throws -> IncidentRecord.Status?
    /// One incident by its id (the console's incident page).
    func incident(_ id: String) async throws -> IncidentRecord?

    // MARK: Steps
    func setStep(_ record: StepRecord) async throws
    func steps(incident: String) async throws -> [StepRecord]

    // MARK: Deliveries
    /// Journals deliveries before they are attempted. Existing keys are left as they are (resume).
    func planDeliveries(_ records: [DeliveryRecord], at now: Date) async throws
    /// Marks a delivery's state durably; `attempts` (the attempts this run made) is added to the count.
    func markDelivery(_ key: String, _ status: DeliveryStatus, attempts: Int, detail: String?, at now: Date) async throws
    /// Marks several deliveries, durably once it returns (one commit where the journal can).
    func markDeliveries(_ marks: [DeliveryMark]) async throws
    func deliveries(incident: String, step: String) async throws -> [DeliveryRecord]
    /// Delivery counts by step and status for an incident.
    func deliveryCounts(incident: String) async throws -> [String: [DeliveryStatus: Int]]
    /// Failed deliveries with their reasons, for `status`.
    func failures(incident: String, limit: Int) async throws -> [DeliveryRecord]
    /// Deliveries by playbook and status, over every incident.
    func deliveryTotals() async throws -> [(playbook: String, status: DeliveryStatus, count: Int)]
    /// Starts keeping `deliveryTotals()` in memory as deliveries are written (from the totals
    /// journaled now), and returns that tally; nil when this journal cannot (then ask
    /// `deliveryTotals()`). Calling it again returns the same tally.
    func countDeliveries() async throws -> DeliveryTally?

    // MARK: Effects (what pause_ads and reschedule_posts changed, so recovery can undo exactly that)
    func recordEffect(incident: String, step: String, kind: String, channel: String, item: String, data: String, status: String) async throws
    func effects(incident: String, kind: String, channel: String) async throws -> [(item: String, data: String, status: String)]

    // MARK: Log
    func log(incident: String, step: String?, message: String, at now: Date) async throws
    func logLines(incident: String) async throws -> [(at: Date, step: String?, message: String)]

    // MARK: Watch: trigger states and source samples
    func saveTriggerStates(playbook: String, _ states: [SavedTriggerState]) async throws
    func triggerStates(playbook: String) async throws -> [SavedTriggerState]
    func addSamples(_ samples: [(series: String, at: Date, value: Double)]) async throws
    /// The latest sample of `series` at or before `time`, if it is no older than `notBefore`.
    func sample(series: String, atOrBefore time: Date, notBefore: Date) async throws -> (at: Date, value: Double)?
    /// Forgets samples older than `time` (they can no longer be anyone's baseline).
    func pruneSamples(series: String, before time: Date) async throws

    /// Takes the lock that lets one process at a time run `playbook`'s incidents (`RunLock`), held
    /// until the returned lock is released; nil where the journal shares runs safely itself
    /// (PostgreSQL: claims and leases). Throws `RunLock.Held` when another process holds it.
    func lockRuns(of playbook: String, by command: String) throws -> RunLock?

    /// Releases connections; the journal is not used afterwards.
    func close() async

    /// Claims and leases, when several runners share this journal (nil: one runner, SQLite).
    var shared: (any SharedDeliveries)? { get }
}

extension Journal {
    public func setIncident(_ id: String, status: IncidentRecord.Status) async throws {
        try await setIncident(id, status: status, resolvedAt: nil)
    }

    public func incidents(unfinishedOnly: Bool = false) async throws -> [IncidentRecord] {
        try await incidents(unfinishedOnly: unfinishedOnly, limit: 100)
    }

    public func incidents(limit: Int) async throws -> [IncidentRecord] {
        try await incidents(unfinishedOnly: false, limit: limit)
    }

    /// Each mark on its own, all at once (a journal that groups concurrent writes groups these).
    public func markDeliveries(_ marks: [DeliveryMark]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for mark in marks {
                group.addTask { try await self.markDelivery(mark.key, mark.status, attempts: mark.attempts, detail: mark.detail, at: mark.at) }
            }
            try await group.waitForAll()
        }
    }

    public func markDelivery(_ key: String, _ status: DeliveryStatus, at now: Date) async throws {
        try await markDelivery(key, status, attempts: 0, detail: nil, at: now)
    }

    public func markDelivery(_ key: String, _ status: DeliveryStatus, attempts: Int, at now: Date) async throws {
        try await markDelivery(key, status, attempts: attempts, detail: nil, at: now)
    }

    public func markDelivery(_ key: String, _ status: DeliveryStatus, detail: String?, at now: Date) async throws {
        try await markDelivery(key, status, attempts: 0, detail: detail, at: now)
    }

    public func failures(incident: String) async throws -> [DeliveryRecord] {
        try await failures(incident: incident, limit: 20)
    }

    public func close() async {}

    public func countDeliveries() async throws -> DeliveryTally? { nil }

    public var shared: (any SharedDeliveries)? { nil }
}

/// Why the journal cannot be opened or written: one line, never a secret.
public struct JournalFailure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

extension Journal {
    /// Among the 1,000 most recent incidents: for journals without a lookup by id (test doubles).
    public func incident(_ id: String) async throws -> IncidentRecord? {
        try await incidents(unfinishedOnly: false, limit: 1_000).first { $0.id == id }
    }
}
