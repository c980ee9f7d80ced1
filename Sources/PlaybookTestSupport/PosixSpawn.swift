import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts a program with `posix_spawn(3)` directly, the way the tests need it.
///
/// Foundation's `Process.run()` was the tests' way to start a child, and under load it crashed the
/// whole test run now and then inside Foundation (an over-read in its `/proc/self/fd` scan,
/// swift-corelibs-foundation PR #5472, not in a Swift release yet). This does what a shell does:
/// the child gets the given standard streams, every other descriptor closed, default signal
/// dispositions and an empty signal mask (the test process ignores some signals; a child must not
/// inherit that), and the given directory and environment.
enum PosixSpawn {
    /// The program could not be started: the reason names the program, never its environment.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What a child's standard stream is joined to.
    enum Stream {
        case null
        case descriptor(Int32)
    }

    /// Spawns `executable` (a path) with `arguments`; returns the child's process id.
    static func spawn(
        _ executable: String, _ arguments: [String], in directory: String?, environment: [String: String],
        standardInput: Stream, standardOutput: Stream, standardError: Stream
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (stream, target) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] {
            let status: Int32
            switch stream {
            case .null:
                status = posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let descriptor):
                status = posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            }
            guard status == 0 else { throw Failure(description: "cannot prepare the standard streams of \(executable): \(String(cString: strerror(status)))") }
        }
        guard let closeFrom = GNUSpawnActions.closeFrom else {
            throw Failure(description: "this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later has it)")
        }
        closeFrom(&actions, 3)
        if let directory {
            guard let changeDirectory = GNUSpawnActions.changeDirectory else {
                throw Failure(description: "this C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29 or later has it)")
            }
            changeDirectory(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv + [nil], envp + [nil])
        guard status == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }
}

/// The two GNU file actions the Swift Glibc module does not show (they need `_GNU_SOURCE`),
/// looked up once by name in the C library.
private enum GNUSpawnActions {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static let closeFrom: CloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
    static let changeDirectory: ChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: ChangeDirectory.self) }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
    }
}
