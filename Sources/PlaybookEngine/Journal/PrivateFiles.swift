import Foundation

/// Files and directories that hold customers' addresses and message payloads — the state
/// database (with its `-wal` and `-shm` companions, which SQLite creates with the database's own
/// mode) and a file channel's outbox — are created readable by their owner only (0600 files,
/// 0700 directories), whatever the umask. Existing ones keep the mode their owner gave them.
public enum PrivateFiles {
    public static let fileMode: mode_t = 0o600
    public static let directoryMode: mode_t = 0o700

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates the directory `path` and any missing parent, each 0700; an existing directory
    /// is left as it is.
    public static func createDirectory(_ path: String) throws(Failure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Failure(description: "\(path) is a file, not a directory") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createDirectory(parent) }
        if mkdir(path, directoryMode) != 0 {
            let code = errno
            if code == EEXIST { return }
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(code)))")
        }
        // mkdir's mode passes through the umask, which could remove the owner's own bits.
        chmod(path, directoryMode)
    }

    /// Creates the empty file `path` with mode 0600 unless it exists.
    public static func createFile(_ path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { return }
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(code)))")
        }
        fchmod(descriptor, fileMode)
        close(descriptor)
    }
}
