import Foundation
@testable import PlaybookCore
import PlaybookTestSupport
import Testing

/// `plan --out` then `run --plan`: the artifact records what the plan was made from, and any
/// change to the playbook, the contacts or the facts is named as drift.
@Suite struct PlanArtifactTests {
    static let yaml = """
        version: 1
        playbook: artifact
        triggers: [{ id: down, platform_down: { platforms: [instagram] } }, { id: by-hand, manual: {} }]
        channels: { out: { type: file, path: out.jsonl } }
        audience: { contacts: contacts.csv, segments: { all: "true" } }
        steps: [{ id: tell, notify: { segment: all, via: [out], message: { text: "hi" } } }]

        """

    struct Folder: ~Copyable {
        let url = TestScratch.root.appendingPathComponent("artifact-\(UUID().uuidString)")
        init(contacts: String?) throws {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try PlanArtifactTests.yaml.write(to: url.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
            if let contacts { try contacts.write(to: url.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8) }
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        var playbookPath: String { url.appendingPathComponent("p.yaml").path }
    }

    static let contacts = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale\nc1,Ann,ann@example.com,,,true,false,UTC,en\n"

    func record(_ folder: borrowing Folder, facts: PlanArtifact.Facts) throws -> (PlanArtifact.Recorded, Playbook, [UInt8]) {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: folder.playbookPath)))
        let playbook = try #require(PlaybookLoader.check(bytes: bytes, path: folder.playbookPath).playbook)
        var plan = try Planner.plan(playbook, Planner.Request(triggerID: facts.trigger, start: facts.start, assignments: []))
        plan.digests = PlanArtifact.digests(playbookBytes: bytes, playbook: playbook, facts: facts)
        let path = folder.url.appendingPathComponent("plan.json").path
        try PlanArtifact.document(plan, facts: facts).write(toFile: path, atomically: true, encoding: .utf8)
        return (try PlanArtifact.read(path), playbook, bytes)
    }

    static let facts = PlanArtifact.Facts(trigger: "down", start: Date(timeIntervalSince1970: 1_633_362_000), assignments: ["trigger.platforms=instagram"])

    @Test func anUnchangedPlanHasNoDriftAndRoundTripsItsFacts() throws {
        let folder = try Folder(contacts: Self.contacts)
        let (recorded, playbook, bytes) = try record(folder, facts: Self.facts)
        #expect(recorded.playbook == "artifact")
        #expect(recorded.facts == Self.facts)
        #expect(recorded.digests.contacts == PlanArtifact.sha256(file: folder.url.appendingPathComponent("contacts.csv").path))
        #expect(PlanArtifact.drift(of: recorded, playbookBytes: bytes, playbook: playbook, facts: nil).isEmpty)
        #expect(PlanArtifact.drift(of: recorded, playbookBytes: bytes, playbook: playbook, facts: Self.facts).isEmpty)
    }

    @Test func eachKindOfDriftIsNamed() throws {
        let folder = try Folder(contacts: Self.contacts)
        let (recorded, playbook, bytes) = try record(folder, facts: Self.facts)
        #expect(PlanArtifact.drift(of: recorded, playbookBytes: bytes + Array("# edited\n".utf8), playbook: playbook, facts: nil) == [
            "the playbook file changed since the plan was made"
        ])
        try (Self.contacts + "c2,Bob,bob@example.com,,,true,false,UTC,en\n").write(to: folder.url.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        #expect(PlanArtifact.drift(of: recorded, playbookBytes: bytes, playbook: playbook, facts: nil) == ["the contacts file changed since the plan was made"])
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("contacts.csv"))
        #expect(PlanArtifact.drift(of: recorded, playbookBytes: bytes, playbook: playbook, facts: nil) == ["the contacts file is gone"])
        let other = PlanArtifact.Facts(trigger: "by-hand", start: Self.facts.start, assignments: [])
        let drift = PlanArtifact.drift(of: recorded, playbookBytes: bytes, playbook: playbook, facts: other)
        #expect(drift.contains("the trigger is 'by-hand', the plan was made for 'down'"))
        #expect(drift.contains("the facts differ: plan has [trigger.platforms=instagram], now []"))
    }

    @Test func aContactsFileThatAppearedIsDrift() throws {
        let folder = try Folder(contacts: nil)
        let (recorded, playbook, bytes) = try record(folder, facts: Self.facts)
        #expect(recorded.digests.contacts == nil)
        try Self.contacts.write(to: folder.url.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        #expect(PlanArtifact.drift(of: recorded, playbookBytes: bytes, playbook: playbook, facts: nil) == ["a contacts file appeared"])
    }

    @Test func theFactsDigestDoesNotDependOnTheOrderOfSet() {
        let a = PlanArtifact.Facts(trigger: "t", start: Self.facts.start, assignments: ["vars.a=1", "trigger.platforms=x"])
        let b = PlanArtifact.Facts(trigger: "t", start: Self.facts.start, assignments: ["trigger.platforms=x", "vars.a=1"])
        #expect(a.canonical == b.canonical)
    }

    @Test func aFileThatIsNotAPlanIsRefusedWithItsName() throws {
        let folder = try Folder(contacts: nil)
        let path = folder.url.appendingPathComponent("other.json").path
        try "{\"playbook\": \"x\"}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PlanArtifact.Unreadable.self) { try PlanArtifact.read(path) }
        do {
            _ = try PlanArtifact.read(path)
        } catch {
            #expect(error.description == "'\(path)' is not a plan written by 'playbook plan --out'")
        }
        #expect(throws: PlanArtifact.Unreadable.self) { try PlanArtifact.read(folder.url.appendingPathComponent("missing.json").path) }
    }
}
