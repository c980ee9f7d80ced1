import Foundation
import PlaybookCore

/// Lets a runner that did not open an incident join its fan-outs (a shared journal): every open
/// fan-out of the given playbooks is worked on (`SharedFanOutWorker`) until nothing is left to
/// claim, then looked for again. What `playbook watch` runs beside its triggers.
public struct SharedFanOutJoiner: Sendable {
    let engines: [String: (engine: Engine, playbook: Playbook)]
    let shared: any SharedDeliveries
    let stop: StopSignal
    let clock: any EngineClock
    /// How often, in seconds on `clock`, to look for open fan-outs when there is nothing to do.
    public var idle: Double

    public init(
        engines: [String: (engine: Engine, playbook: Playbook)], shared: any SharedDeliveries, stop: StopSignal, clock: any EngineClock = SystemClock(),
        idle: Double = 0.5
    ) {
        self.engines = engines
        self.shared = shared
        self.stop = stop
        self.clock = clock
        self.idle = idle
    }

    /// Works until a stop is requested.
    public func run() async {
        while !stop.isRequested {
            let open = (try? await shared.openFanOuts(playbooks: Array(engines.keys))) ?? []
            var worked = 0
            await withTaskGroup(of: Int.self) { group in
                for fanOut in open {
                    guard let (engine, playbook) = engines[fanOut.playbook],
                        let step = (playbook.steps + playbook.recovery).first(where: { $0.id.value == fanOut.step })
                    else { continue }
                    group.addTask {
                        let worker = SharedFanOutWorker(engine: engine, shared: shared, step: step, playbook: playbook, incident: fanOut.incident)
                        return (try? await worker.work(planning: nil)) ?? 0
                    }
                }
                for await count in group { worked += count }
            }
            if worked == 0 {
                guard await stop.sleep(until: clock.now().addingTimeInterval(idle), clock: clock) else { return }
            }
        }
    }
}
