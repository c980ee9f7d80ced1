import Foundation
import Testing

@testable import PlaybookCore

/// `run --plan` verified in the library: the plan's own trigger and facts are what runs, a
/// plan that drifted is refused with every change named, and a file that is no plan is a usage error.
@Suite struct PlanArtifactVerificationTests {
    typealias Folder = PlanArtifactTests.Folder

    func recorded(_ folder: borrowing Folder) throws -> (path: String, playbook: Playbook, bytes: [UInt8]) {
        let (_, playbook, bytes) = try PlanArtifactTests().record(folder, facts: PlanArtifactTests.facts)
        return (folder.url.appendingPathComponent("plan.json").path, playbook, bytes)
    }

    @Test func anUnchangedPlanRunsWithItsOwnTriggerAndFacts() throws {
        let folder = try Folder(contacts: PlanArtifactTests.contacts)
        let (path, playbook, bytes) = try recorded(folder)
        let approved = try PlanArtifact.verify(path, playbookBytes: bytes, playbook: playbook, trigger: nil, assignments: [])
        #expect(approved.trigger == "down")
        #expect(approved.assignments.map(\.path) == [["trigger", "platforms"]])
        #expect(approved.assignments.first.map { "\($0.value)".contains("instagram") } == true)
    }

    @Test func factsGivenAgainMustMatchThePlans() throws {
        let folder = try Folder(contacts: PlanArtifactTests.contacts)
        let (path, playbook, bytes) = try recorded(folder)
        let same = try PlanArtifact.verify(path, playbookBytes: bytes, playbook: playbook, trigger: "down", assignments: ["trigger.platforms=instagram"])
        #expect(same.trigger == "down")
        #expect(throws: PlanArtifact.Refusal.self) {
            try PlanArtifact.verify(path, playbookBytes: bytes, playbook: playbook, trigger: "by-hand", assignments: [])
        }
    }

    @Test func aDriftedPlanIsRefusedWithEveryChangeOnItsOwnLine() throws {
        let folder = try Folder(contacts: PlanArtifactTests.contacts)
        let (path, playbook, bytes) = try recorded(folder)
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("contacts.csv"))
        do {
            _ = try PlanArtifact.verify(path, playbookBytes: bytes + Array("# edited\n".utf8), playbook: playbook, trigger: nil, assignments: [])
            Issue.record("a drifted plan was approved")
        } catch {
            guard case .drifted(let plan, let changes) = error else { throw error }
            #expect(plan == path)
            #expect(changes == ["the playbook file changed since the plan was made", "the contacts file is gone"])
            #expect(
                error.description
                    == "refusing to run: the plan \(path) no longer matches:\n  - the playbook file changed since the plan was made\n  - the contacts file is gone"
            )
        }
    }

    @Test func aFileThatIsNotAPlanIsUnusable() throws {
        let folder = try Folder(contacts: nil)
        let (_, playbook, bytes) = try recorded(folder)
        let missing = folder.url.appendingPathComponent("missing.json").path
        do {
            _ = try PlanArtifact.verify(missing, playbookBytes: bytes, playbook: playbook, trigger: nil, assignments: [])
            Issue.record("a missing plan was approved")
        } catch {
            guard case .unusable(let reason) = error else { throw error }
            #expect(reason == "cannot read plan file '\(missing)'")
        }
    }
}
