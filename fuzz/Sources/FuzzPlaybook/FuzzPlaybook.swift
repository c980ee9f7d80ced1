import Foundation
import FuzzSupport
import PlaybookCore

/// The playbook loader and validator on arbitrary bytes: `validate` must answer with diagnostics
/// that point at real places, never crash or hang; a playbook it accepts must plan and render.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlaybook(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let path = "fuzz-playbook/playbook.yaml"
    let result = PlaybookLoader.check(bytes: bytes, path: path)
    Fuzz.requirePositions(result.diagnostics, "validate")
    Fuzz.require(result.playbook != nil || !result.diagnostics.isEmpty, "no playbook and no diagnostic")
    if !result.isValid { Fuzz.require(result.diagnostics.contains { $0.severity == .error }, "invalid without an error") }
    // The renderers the CLI prints diagnostics with, the source line and caret included.
    var sources: [String: SourceFile] = [:]
    if let source = result.source { sources[source.path] = source }
    for format in DiagnosticFormat.allCases {
        _ = DiagnosticRenderer(format: format, terminal: true, sources: sources).render(result.diagnostics)
    }
    guard result.isValid, let playbook = result.playbook else { return 0 }
    for trigger in playbook.triggers {
        do {
            let plan = try Planner.plan(
                playbook,
                Planner.Request(
                    triggerID: trigger.id.value, start: Fuzz.start, includeContacts: false,
                    resolvedAt: Fuzz.start.addingTimeInterval(6 * 3600)))
            for format in PlanFormat.allCases { _ = plan.rendered(format) }
        } catch {
            Fuzz.require(false, "a valid playbook does not plan for trigger \(trigger.id.value): \(error)")
        }
    }
    return 0
}
