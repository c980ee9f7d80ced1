import Foundation
import PlaybookCore
import PlaybookEngine

/// What the console reads and does, from the process that serves it (`watch` or `run`).
///
/// Reading is the journal's; the changes that need channels — recovering an incident, running a
/// playbook by hand — are the serving process's, which owns the channels and their limits.
/// Approvals need neither: a decision is a journal write, which the waiting run sees within 2 s.
public protocol ConsoleBackend: Sendable {
    var journal: any Journal { get }
    /// The playbooks shown on `/`, with the file each was read from.
    var playbooks: [ConsolePlaybook] { get }
    /// Starts the recovery of the playbook's unfinished incident; returns what to tell the person.
    func recover(playbook: String) async throws -> String
    /// Starts a run of the playbook by hand on `trigger`; returns the incident's id.
    func run(playbook: String, trigger: String) async throws -> String
    /// Whether `retryFailed` can be asked here, so the incident page offers it: a watch can; a
    /// run cannot (it ends with its steps, and with it the console).
    var retriesFailures: Bool { get }
    /// Sends again what failed in incident `incident` of `playbook` (`--retry-failed` from the
    /// console); returns what to tell the person.
    func retryFailed(playbook: String, incident: String) async throws -> String
}

extension ConsoleBackend {
    public var retriesFailures: Bool { false }

    public func retryFailed(playbook: String, incident: String) async throws -> String {
        throw ConsoleRefusal("this console ends with its run: once the run has ended, the same 'playbook run' with --retry-failed sends again only what failed")
    }
}

public struct ConsolePlaybook: Sendable {
    public var playbook: Playbook
    public var file: String

    public init(playbook: Playbook, file: String) {
        self.playbook = playbook
        self.file = file
    }

    public var name: String { playbook.name.value }
}

/// A change the backend refused, with the reason to show.
public struct ConsoleRefusal: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
