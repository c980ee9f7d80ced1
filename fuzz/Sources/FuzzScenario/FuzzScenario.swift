import Foundation
import FuzzSupport
import PlaybookCore

/// The scenario-file loader, and the replay of its observations through the trigger state
/// machines and the planner, against the shipped playbook it names (meta-outage otherwise).
let shipped: [String: Playbook] = {
    var out: [String: Playbook] = [:]
    let directory = Fuzz.repository + "/playbooks"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".yaml") && !name.hasSuffix(".test.yaml") {
        if let result = try? PlaybookLoader.load(path: directory + "/" + name), result.isValid, let playbook = result.playbook { out[name] = playbook }
    }
    Fuzz.require(out["meta-outage.yaml"] != nil, "shipped playbooks not found under \(directory)")
    return out
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (scenario, diagnostics) = ScenarioRunner.read(bytes: Fuzz.bytes(data, size), path: "fuzz-scenario/meta.test.yaml")
    Fuzz.requirePositions(diagnostics, "scenario")
    guard let scenario, !diagnostics.contains(where: { $0.severity == .error }) else { return 0 }
    let name = (scenario.playbookPath.value as NSString).lastPathComponent
    guard let playbook = shipped[name] ?? shipped["meta-outage.yaml"] else { return 0 }
    var errors: [Diagnostic] = []
    let failures = ScenarioRunner.check(scenario, playbook: playbook, errors: &errors)
    Fuzz.requirePositions(errors + failures, "scenario check")
    let outcome = TriggerSimulation.run(triggers: playbook.triggers, observations: scenario.observations)
    if let fired = outcome.firedAt, let resolved = outcome.resolvedAt {
        Fuzz.require(resolved >= fired, "resolves at \(resolved) before it fires at \(fired)")
    }
    if outcome.firedAt == nil { Fuzz.require(outcome.resolvedAt == nil, "resolves without firing") }
    return 0
}
