import Foundation
import PlaybookCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One process at a time runs a playbook's incidents on an SQLite state. Two `playbook run`s of
/// the same playbook at once (a second terminal, a teammate, a `run` beside the `watch` that
/// already handles it) would each resume the same incident and send its pending deliveries
/// twice: the journal records what was sent, but not who is sending what right now. A PostgreSQL
/// state needs no such lock: its runners claim deliveries with leases (scale-out).
///
/// The lock is `flock` on a file beside the state database, so the kernel releases it when the
/// process ends however it ends (kill -9 included): a crashed run never blocks the next one. The
/// file says who holds it, for the refusal's message.
public final class RunLock: Sendable {
    private let descriptor: Int32

    /// The lock is held by another process; the description names it and what to do.
    public struct Held: Error, CustomStringConvertible {
        public var description: String
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The lock file of `playbook` in the state `directory`.
    static func path(directory: String, playbook: String) -> String {
        let safe = String(String.UnicodeScalarView(playbook.unicodeScalars.map { scalar in
            (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar) ? scalar : "_"
        }))
        return (directory as NSString).appendingPathComponent("run-\(safe).lock")
    }

    /// Takes the lock of `playbook`, saying that `command` holds it; throws `Held` when another
    /// process does (naming it), and also, with the reason, when the file cannot be opened or locked.
    public static func take(directory: String, playbook: String, command: String) throws -> RunLock {
        let path = path(directory: directory, playbook: playbook)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, PrivateFiles.fileMode)
        guard descriptor >= 0 else {
            throw Held(description: "cannot open the run lock \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            guard code == EWOULDBLOCK else { throw Held(description: "cannot lock \(path): \(String(cString: strerror(code)))") }
            // A watcher does not finish by itself: say what to do instead of waiting for it.
            let remedy = holder.contains("'playbook watch'")
                ? "Let it run the playbook (with --listen, its console can start the recovery and retry what failed), or stop it (Ctrl-C: what it has sent is journaled), then run this again"
                : "Let that one finish, or stop it (Ctrl-C: what it has sent is journaled), then run this again"
            throw Held(
                description: "playbook '\(playbook)' is being run by another process\(holder.isEmpty ? "" : " (\(holder))"); "
                    + "two at once would send its messages twice. " + remedy)
        }
        let note = "pid \(getpid()), '\(command)' since \(Date().utcTimestamp)\n"
        _ = ftruncate(descriptor, 0)
        _ = note.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return RunLock(descriptor: descriptor)
    }
}

extension SQLiteJournal {
    /// Takes the run lock of `playbook` beside this journal's database (`RunLock`).
    public nonisolated func lockRuns(of playbook: String, by command: String) throws -> RunLock? {
        try RunLock.take(directory: (path as NSString).deletingLastPathComponent, playbook: playbook, command: command)
    }
}
