import Foundation
import PlaybookCore
import PlaybookEngine

/// The console of `watch --listen`: every watched playbook; Run, Recover and Retry go through
/// the watcher, which opens and recovers incidents as if their triggers had fired and cleared.
public struct WatchConsoleBackend: ConsoleBackend {
    private let watcher: Watcher
    public let playbooks: [ConsolePlaybook]

    public init(watcher: Watcher) {
        self.watcher = watcher
        playbooks = watcher.watchedPlaybooks.map { ConsolePlaybook(playbook: $0, file: $0.file) }
    }

    public var journal: any Journal { watcher.journal }

    public func recover(playbook: String) async throws -> String {
        "recovering incident \(try await watcher.recoverByHand(playbook: playbook))"
    }

    public func run(playbook: String, trigger: String) async throws -> String {
        try await watcher.runByHand(playbook: playbook, trigger: trigger)
    }

    public var retriesFailures: Bool { true }

    public func retryFailed(playbook: String, incident: String) async throws -> String {
        try await watcher.retryFailedByHand(playbook: playbook, incident: incident)
    }
}
