import Foundation

/// Opens data files (contacts, calendars, `csv` sources) without trusting what a path names: a
/// playbook may name a fifo (opening it would wait for a writer forever), a device (`/dev/zero`
/// never ends) or a file like `/proc/self/environ`. Only regular files are read, and a file with
/// NUL bytes is not text.
public enum DataFile {
    /// Why a data file cannot be opened; never quotes the file's content.
    public enum OpenFailure: Error, Sendable, Equatable, CustomStringConvertible {
        case missing
        case notRegular
        case unreadable(String)

        public var description: String {
            switch self {
            case .missing: return "not found"
            case .notRegular: return "is not a regular file"
            case .unreadable(let why): return "cannot be read (\(why))"
            }
        }
    }

    /// The first bytes of every SQLite 3 database.
    static let sqliteMagic: [UInt8] = Array("SQLite format 3\0".utf8)

    /// Opens `path` for reading when it is a regular file. The open itself does not block (a fifo
    /// is recognised and closed before anything is read).
    public static func openForReading(_ path: String) throws(OpenFailure) -> FileHandle {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .missing }
            throw .unreadable(String(cString: strerror(code)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFREG) else {
            close(descriptor)
            throw .notRegular
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Whether the file at `path` is an SQLite database, by its first 16 bytes (not its name).
    public static func isSQLite(_ path: String) throws(OpenFailure) -> Bool {
        let handle = try openForReading(path)
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: sqliteMagic.count)) ?? nil
        return head.map { [UInt8]($0) == sqliteMagic } ?? false
    }

    /// The offset of the first NUL byte from the handle's position to the end, or nil; the
    /// handle is left at the end. Reads in chunks, so memory does not grow with the file.
    static func firstNUL(in handle: FileHandle, chunkSize: Int = CSVRecordReader.chunk) -> Int? {
        var offset = 0
        while let chunk = (try? handle.read(upToCount: chunkSize)) ?? nil, !chunk.isEmpty {
            // memchr, not `Data.firstIndex`: iterating Data byte by byte cost 30 ns a byte.
            let index = chunk.withUnsafeBytes { bytes -> Int? in
                guard let base = bytes.baseAddress, let hit = memchr(base, 0, bytes.count) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            if let index { return offset + index }
            offset += chunk.count
        }
        return nil
    }

    /// The message for a file with NUL bytes: where, never what.
    static func notTextReason(at offset: Int) -> String {
        "is not text: it contains a NUL byte (at byte \(offset + 1))"
    }
}
