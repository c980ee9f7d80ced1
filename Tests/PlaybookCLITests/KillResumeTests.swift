import Foundation
import PlaybookTestSupport
import Testing

/// A run killed at any point (SIGKILL) and started again delivers every message exactly
/// once, except at most the deliveries in flight at the kill (the window of 64 per channel).
@Suite struct KillResumeTests {
    static let contacts = 2_000

    static func workspace() throws -> URL {
        let url = TestScratch.root.appendingPathComponent("playbook-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var rows = ["id,name,email,phone,tags,consent_email,consent_sms,timezone,locale"]
        for i in 0..<contacts { rows.append("c\(i),Person \(i),p\(i)@example.com,,fan,true,false,Europe/Rome,en") }
        try (rows.joined(separator: "\n") + "\n").write(to: url.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        try """
            version: 1
            playbook: kill-resume
            triggers: [{ id: manual, manual: {} }]
            channels:
              outbox: { type: file, path: outbox.jsonl, rate: 800/s, concurrency: 32 }
            audience: { contacts: contacts.csv, segments: { everyone: "true" } }
            steps:
              - id: tell
                notify: { segment: everyone, via: [outbox], message: { subject: "We are open", text: "Hi {{ contact.name }}" } }
            """.write(to: url.appendingPathComponent("kill.yaml"), atomically: true, encoding: .utf8)
        return url
    }

    @Test func killedRunsResumeWithoutLosingOrRepeatingBeyondTheWindow() async throws {
        let binary = try PlaybookBinary.path.get()
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        var kills = 0
        var finished = false
        var generator = SystemRandomNumberGenerator()
        // Paced at 800 deliveries/s, the whole run takes 2.5 s. Up to 15 runs are killed, each
        // once it has written a random number (0 to 300) of further deliveries: anywhere from
        // start-up to mid-fan-out, and at least five kills before the end, however slow the
        // machine (a kill after a random delay instead depended on how fast runs went). Then one
        // runs to the end.
        let outbox = directory.appendingPathComponent("outbox.jsonl")
        @Sendable func written() -> Int { ((try? Data(contentsOf: outbox)) ?? Data()).reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
        for _ in 0..<15 {
            let target = written() + Int.random(in: 0...300, using: &generator)
            let process = try ChildProcess(binary, ["run", "kill.yaml", "--yes", "--state", "state"], in: directory, environment: PlaybookBinary.baseEnvironment)
            // Watched on a thread of its own: a test task may wait its turn on the shared pool
            // for seconds while the run goes on to its end.
            Thread.detachNewThread {
                while !process.hasExited {
                    if written() >= target { process.signal(SIGKILL) }
                    usleep(2_000)
                }
            }
            let status = try await process.waitForExit(within: 120)
            if status == SIGKILL {
                kills += 1
                continue
            }
            #expect(status == 0)
            finished = true
            break
        }
        if !finished {
            let last = try await PlaybookBinary.run(["run", "kill.yaml", "--yes", "--state", "state"], in: directory)
            #expect(last.status == 0, "\(last.stderr)")
        }
        #expect(kills >= 5)

        let text = try String(contentsOf: directory.appendingPathComponent("outbox.jsonl"), encoding: .utf8)
        var counts: [String: Int] = [:]
        var torn = 0
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let key = object["idempotency_key"] as? String
            else {
                torn += 1  // a line cut by the kill: that delivery was in flight and is sent again
                continue
            }
            counts[key, default: 0] += 1
        }
        #expect(counts.count == Self.contacts, "every contact gets the message")
        let duplicates = counts.values.reduce(0) { $0 + ($1 - 1) } + torn
        #expect(duplicates <= 64 * kills, "\(duplicates) duplicates after \(kills) kills")
        #expect(counts.values.allSatisfy { $0 <= kills + 1 })
        print("kill-resume: \(kills) kills, \(duplicates) duplicate deliveries (bound \(64 * kills)), \(torn) torn lines")
    }
}
