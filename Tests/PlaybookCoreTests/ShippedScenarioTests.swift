import Foundation
import PlaybookCore
import Testing

/// Every shipped example playbook is valid and has a scenario test beside it, and they pass.
@Suite struct ShippedScenarioTests {
    static let folder = TestPlaybooks.repository.appendingPathComponent("playbooks").path

    static var playbooks: [String] { (try? PlaybookFiles.expand([folder], scenarios: false)) ?? [] }
    static var scenarios: [String] { (try? PlaybookFiles.expand([folder], scenarios: true)) ?? [] }

    @Test(arguments: playbooks)
    func examplePlaybookIsValidAndHasAScenario(_ path: String) throws {
        let result = try PlaybookLoader.load(path: path)
        #expect(result.isValid, "\(result.diagnostics.map { "\($0.location): \($0.message)" })")
        let base = (path as NSString).deletingPathExtension
        #expect(Self.scenarios.contains { $0.hasPrefix(base) && $0.hasSuffix(".test.yaml") }, "no scenario test beside \(path)")
    }

    @Test(arguments: scenarios)
    func scenarioPasses(_ path: String) {
        let report = ScenarioRunner.run(path: path)
        #expect(report.errors.isEmpty, "\(report.errors.map { "\($0.location): \($0.message)" })")
        #expect(report.failures.isEmpty, "\(report.failures.map { "\($0.location): \($0.message)" })")
    }
}
