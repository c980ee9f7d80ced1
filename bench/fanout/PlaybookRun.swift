import Foundation
import PlaybookEngine

/// One `playbook run` process, start to exit: it reads the playbook and the contacts, opens the
/// journal, notifies every contact through a `webhook` channel into nginx, and exits.
struct PlaybookRun {
    var contacts: Int
    var seconds: Double
    var peakMB: Double
    var sent: Int

    var rate: Double { Double(contacts) / seconds }

    /// Writes the playbook and `count` contacts into a fresh folder of `directory`.
    static func prepare(count: Int, port: Int, concurrency: Int, in directory: String) throws -> String {
        let folder = "\(directory)/run-\(count)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var csv = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale\n"
        csv.reserveCapacity(count * 72)
        for i in 0..<count { csv += "c\(i),Person \(i),p\(i)@example.com,,fan,true,false,Europe/Rome,en\n" }
        try csv.write(toFile: "\(folder)/contacts.csv", atomically: true, encoding: .utf8)
        try """
        version: 1
        playbook: bench-fanout
        triggers: [{ id: manual, manual: {} }]
        channels:
          sink: { type: webhook, url: "http://127.0.0.1:\(port)/hook", concurrency: \(concurrency) }
        audience: { contacts: contacts.csv, segments: { everyone: "true" } }
        steps:
          - { id: tell, notify: { segment: everyone, via: [sink], message: { subject: "Hi", text: "Hello {{ contact.name }}, we are open." } } }
        """.write(toFile: "\(folder)/bench.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    /// Runs `binary run bench.yaml` in `folder` (state in `folder/state`), timed from just before
    /// the spawn to the reaped exit; peak memory is the child's own maximum resident set.
    static func measure(binary: String, folder: String, contacts: Int) throws -> PlaybookRun {
        try? FileManager.default.removeItem(atPath: "\(folder)/state")
        let arguments = [binary, "run", "\(folder)/bench.yaml", "--yes", "--state", "\(folder)/state"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "\(folder)/stderr.log", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, binary, &actions, nil, argv, environ) == 0 else { throw BenchError("cannot start \(binary)") }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, 0, &usage) == pid else { throw BenchError("lost the playbook process") }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exitCode = (status >> 8) & 0xff
        guard status & 0x7f == 0, exitCode == 0 else {
            let log = (try? String(contentsOfFile: "\(folder)/stderr.log", encoding: .utf8)) ?? ""
            throw BenchError("playbook run exited with status \(status): \(log.suffix(600))")
        }
        return PlaybookRun(contacts: contacts, seconds: seconds, peakMB: Double(usage.ru_maxrss) / 1024, sent: try sentCount(in: "\(folder)/state"))
    }

    /// What the journal says was sent: the figure counts only journaled deliveries.
    static func sentCount(in state: String) throws -> Int {
        let journal = try SQLiteJournal(directory: state)
        let incidents = try awaitSync { try await journal.incidents(unfinishedOnly: false, limit: 1) }
        guard let incident = incidents.first else { return 0 }
        let counts = try awaitSync { try await journal.deliveryCounts(incident: incident.id) }
        return counts["tell"]?[.sent] ?? 0
    }
}

/// Runs an actor call from the bench's synchronous code.
func awaitSync<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
