import Foundation
import PlaybookCore
import PlaybookEngine
import Synchronization

/// The console of `run --listen`: the run's own playbook, recovered by the run's engine.
///
/// A recovery started from the console runs beside the steps (which stop at the resolution, as
/// with `playbook recover` from another terminal); the run waits for it before it ends
/// (`finish`). A second run of the same playbook is refused: this process is running it.
public final class RunConsoleBackend: ConsoleBackend {
    public let journal: any Journal
    public let playbooks: [ConsolePlaybook]
    private let engine: Engine
    private let recovery = Mutex<Task<Void, Never>?>(nil)
    private let report: @Sendable (Result<Engine.Outcome, any Error>) -> Void

    /// `report` hears how a recovery started here ended.
    public init(engine: Engine, playbook: Playbook, file: String, report: @escaping @Sendable (Result<Engine.Outcome, any Error>) -> Void) {
        journal = engine.journal
        playbooks = [ConsolePlaybook(playbook: playbook, file: file)]
        self.engine = engine
        self.report = report
    }

    public func recover(playbook name: String) async throws -> String {
        guard let playbook = playbooks.first(where: { $0.name == name })?.playbook else { throw ConsoleRefusal("this run has no playbook '\(name)'") }
        guard let incident = try await journal.unfinishedIncident(playbook: name), incident.status == .active else {
            throw ConsoleRefusal("playbook '\(name)' has no active incident to recover")
        }
        let engine = self.engine
        let report = self.report
        let started = recovery.withLock { current -> Bool in
            guard current == nil else { return false }
            current = Task {
                do { report(.success(try await engine.recover(playbook))) } catch { report(.failure(error)) }
            }
            return true
        }
        guard started else { throw ConsoleRefusal("a recovery is already running") }
        return "recovering incident \(incident.id)"
    }

    public func run(playbook name: String, trigger: String) async throws -> String {
        let current = try await journal.unfinishedIncident(playbook: name)
        throw ConsoleRefusal(
            "this process is 'playbook run' of '\(name)'\(current.map { ", running incident \($0.id)" } ?? ""); run playbooks by hand from the console of 'playbook watch'")
    }

    /// Waits for a recovery started from the console to end.
    public func finish() async {
        await recovery.withLock { $0 }?.value
    }
}
