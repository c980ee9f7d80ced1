import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// An engine on a `Simulation` clock, with channels that record on it: the world the resolution
/// and failure-semantics tests run small playbooks in. The simulation moves time only when every
/// task is waiting, so what the engine decides is the same on any machine, however busy.
struct SimulatedEngine: Sendable {
    let simulation: Simulation
    let channels: RecordingChannels
    let engine: Engine

    init(journal: any Journal, start: Date, progress: any ProgressReporter = SilentProgress()) {
        let simulation = Simulation(origin: start)
        // The journal's writes finish on another thread: the clock waits for them before moving.
        simulation.idleBarrier = { try? await journal.log(incident: "simulation-barrier", step: nil, message: "", at: start) }
        self.simulation = simulation
        channels = RecordingChannels(clock: simulation)
        engine = Engine(journal: journal, channels: channels, clock: simulation, progress: progress)
    }

    /// Runs `operation` inside the simulation; a call from outside its thread fails the test.
    func run<T: Sendable>(
        sourceLocation: Testing.SourceLocation = #_sourceLocation, _ operation: @Sendable @escaping (Engine) async throws -> T
    ) async throws -> T {
        let engine = self.engine
        let result = try await simulation.run { try await operation(engine) }
        #expect(simulation.offThreadCalls == 0, sourceLocation: sourceLocation)
        return result
    }

    /// Runs the playbook and recovers it at `resolution`, while its steps may still wait or run
    /// (as `playbook recover` or `watch` would).
    func runAndRecover(
        _ playbook: Playbook, at resolution: Date, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws -> (run: Engine.Outcome, recovery: Engine.Outcome) {
        let simulation = self.simulation
        return try await run(sourceLocation: sourceLocation) { engine in
            async let run = engine.run(playbook, .init())
            try await simulation.sleep(until: resolution)
            let recovery = try await engine.recover(playbook)
            return (try await run, recovery)
        }
    }
}
