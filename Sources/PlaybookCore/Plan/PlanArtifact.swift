import Crypto
import Foundation

/// A plan as a reviewable artifact, as a Terraform plan is: `plan --out` records digests of the
/// playbook, the contacts file and the facts; `run --plan` refuses when any of them drifted.
public enum PlanArtifact {
    /// The facts a plan was made with, in a canonical form (so their digest is stable).
    public struct Facts: Sendable, Equatable {
        public var trigger: String
        public var start: Date
        public var assignments: [String]

        public init(trigger: String, start: Date, assignments: [String]) {
            self.trigger = trigger
            self.start = start
            self.assignments = assignments
        }

        var canonical: String {
            (["trigger=\(trigger)", "start=\(Plan.iso(start))"] + assignments.sorted().map { "set \($0)" }).joined(separator: "\n")
        }

        public var json: JSONValue {
            .object([("trigger", .string(trigger)), ("start", .string(Plan.iso(start))), ("set", .array(assignments.sorted().map(JSONValue.string)))])
        }
    }

    public static func sha256(_ bytes: some Sequence<UInt8>) -> String {
        SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a file, streamed; nil when it does not exist or is not a regular file (a fifo
    /// would block the read forever).
    public static func sha256(file path: String) -> String? {
        guard let handle = try? DataFile.openForReading(path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The absolute path of the playbook's contacts file, if it names one.
    public static func contactsPath(of playbook: Playbook) -> String? {
        guard let contacts = playbook.audience?.contacts?.value else { return nil }
        return contacts.hasPrefix("/") ? contacts : (playbook.directory as NSString).appendingPathComponent(contacts)
    }

    public static func digests(playbookBytes: [UInt8], playbook: Playbook, facts: Facts) -> PlanDigests {
        PlanDigests(playbook: sha256(playbookBytes), contacts: contactsPath(of: playbook).flatMap { sha256(file: $0) }, facts: sha256(Array(facts.canonical.utf8)))
    }

    /// The artifact written by `plan --out`: the JSON plan with its facts and digests.
    public static func document(_ plan: Plan, facts: Facts) -> String {
        guard case .object(var members) = plan.json else { return plan.json.serialized(pretty: true) }
        members.append(("facts", facts.json))
        return JSONValue.object(members).serialized(pretty: true) + "\n"
    }

    /// A recorded plan, read back for `run --plan`.
    public struct Recorded: Sendable {
        public var playbook: String
        public var digests: PlanDigests
        public var facts: Facts
    }

    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    public static func read(_ path: String) throws(Unreadable) -> Recorded {
        guard let data = FileManager.default.contents(atPath: path) else { throw Unreadable(description: "cannot read plan file '\(path)'") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let name = object["playbook"] as? String, let digests = object["digests"] as? [String: Any],
            let playbookDigest = digests["playbook"] as? String, let factsDigest = digests["facts"] as? String,
            let facts = object["facts"] as? [String: Any], let trigger = facts["trigger"] as? String,
            let startText = facts["start"] as? String, let start = ISO8601DateFormatter().date(from: startText)
        else { throw Unreadable(description: "'\(path)' is not a plan written by 'playbook plan --out'") }
        return Recorded(
            playbook: name, digests: PlanDigests(playbook: playbookDigest, contacts: digests["contacts"] as? String, facts: factsDigest),
            facts: Facts(trigger: trigger, start: start, assignments: facts["set"] as? [String] ?? []))
    }

    /// What changed since the plan was recorded; empty when nothing did.
    public static func drift(of recorded: Recorded, playbookBytes: [UInt8], playbook: Playbook, facts: Facts?) -> [String] {
        var changes: [String] = []
        if recorded.playbook != playbook.name.value { changes.append("the plan is for playbook '\(recorded.playbook)', not '\(playbook.name.value)'") }
        if recorded.digests.playbook != sha256(playbookBytes) { changes.append("the playbook file changed since the plan was made") }
        let contacts = contactsPath(of: playbook).flatMap { sha256(file: $0) }
        if recorded.digests.contacts != contacts {
            changes.append(contacts == nil ? "the contacts file is gone" : (recorded.digests.contacts == nil ? "a contacts file appeared" : "the contacts file changed since the plan was made"))
        }
        if let facts {
            if facts.trigger != recorded.facts.trigger { changes.append("the trigger is '\(facts.trigger)', the plan was made for '\(recorded.facts.trigger)'") }
            if facts.assignments.sorted() != recorded.facts.assignments.sorted() {
                changes.append("the facts differ: plan has [\(recorded.facts.assignments.sorted().joined(separator: ", "))], now [\(facts.assignments.sorted().joined(separator: ", "))]")
            }
        }
        return changes
    }
}
