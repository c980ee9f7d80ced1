import Foundation

/// Where tests put the folders and files they make: one folder per test process
/// (`$TMPDIR/playbook-tests-PID`), removed when the process exits.
///
/// Why: hundreds of tests each made a folder of their own under the system's temporary folder
/// and most never removed it (a fixture is a struct, with no `deinit` to do it), so every run of
/// the suite left about 2,000 folders in `/tmp`. Tests name their folders under `TestScratch.root`
/// as before (`root.appendingPathComponent("engine-\(UUID())")`) and need not clean up; the whole
/// folder goes at exit, and a folder left by a process that was killed goes the next time a test
/// process starts.
public enum TestScratch {
    /// This process's scratch folder, made on first use.
    public static var root: URL { made }

    private static let prefix = "playbook-tests-"

    private static let made: URL = {
        let system = FileManager.default.temporaryDirectory
        removeOrphans(in: system)
        let url = system.appendingPathComponent("\(prefix)\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { TestScratch.removeRoot() }
        return url
    }()

    /// Removes this process's folder (at exit).
    static func removeRoot() {
        try? FileManager.default.removeItem(at: made)
    }

    /// Removes the folders of test processes that are gone (killed before their `atexit`).
    private static func removeOrphans(in system: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: system.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH when no such process exists.
            if kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: system.appendingPathComponent(name))
            }
        }
    }
}
