import Foundation
import PlaybookCore
import PlaybookEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `calendar` channel (docs/channels.md): a content calendar kept as a CSV file
/// (`id,network,scheduled_at,text,status`, other columns kept as they are).
///
/// `reschedule_posts` reads which posts are due and journals the moves before `apply` changes
/// the file; `restore_posts` applies the reverse moves. The file is rewritten atomically (a
/// temporary file beside it, flushed to disk, renamed over it), changing only the
/// `scheduled_at` fields of the posts moved: every other byte stays as it was.
public actor CSVCalendar: CalendarChannel {
    let name: String
    let path: String
    /// The timezone of times written without an offset (the playbook's).
    let timeZone: TimeZone

    public init(name: String, path: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.name = name
        self.path = path
        self.timeZone = timeZone
    }

    /// One post of the file that could move.
    struct Post {
        var id: String
        var network: String
        var time: CalendarTime
        var field: CalendarFile.Field
        var line: Int
    }

    public func movesToReschedule(networks: [String], window: Double, shift: Double, now: Date) throws(ChannelFailure) -> [PostMove] {
        let wanted = Set(networks.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        let end = now.addingTimeInterval(window)
        let posts = try scheduledPosts(try read(), strict: true)
        var seen: [String: Int] = [:]
        var moves: [PostMove] = []
        for post in posts {
            let key = post.id + "\u{0}" + post.network
            if let first = seen[key] {
                throw failure("lines \(first) and \(post.line) are both post '\(post.id)' on \(post.network); ids must be unique per network")
            }
            seen[key] = post.line
            guard wanted.contains(post.network), post.time.date >= now, post.time.date < end else { continue }
            moves.append(PostMove(postID: post.id, network: post.network, from: post.time.date, to: post.time.date.addingTimeInterval(shift)))
        }
        return moves.sorted { ($0.from, $0.postID, $0.network) < ($1.from, $1.postID, $1.network) }
    }

    public func apply(_ moves: [PostMove]) throws(ChannelFailure) {
        guard !moves.isEmpty else { return }
        let file = try read()
        var changes: [(field: CalendarFile.Field, value: String)] = []
        for post in try scheduledPosts(file, strict: false) {
            // Still where the move found it (to the minute): a post the shop has moved by hand
            // since, or one already moved, is left alone.
            guard let move = moves.first(where: { $0.postID == post.id && $0.network.lowercased() == post.network && Self.sameMinute($0.from, post.time.date) })
            else { continue }
            let value = CalendarTime.format(move.to, style: post.time.style, localTimeZone: timeZone)
            if value != post.field.value.trimmingCharacters(in: .whitespaces) { changes.append((post.field, value)) }
        }
        guard !changes.isEmpty else { return }
        try write(file.replacing(changes))
    }

    static func sameMinute(_ a: Date, _ b: Date) -> Bool {
        (a.timeIntervalSince1970 / 60).rounded(.down) == (b.timeIntervalSince1970 / 60).rounded(.down)
    }

    // MARK: Reading

    private func failure(_ text: String) -> ChannelFailure {
        .permanent("calendar channel '\(name)': \(path): \(text)")
    }

    func read() throws(ChannelFailure) -> CalendarFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure(FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        do {
            return try CalendarFile(bytes: Array(data))
        } catch {
            throw failure(error.message)
        }
    }

    /// The posts whose status is `scheduled` (or empty) and that have a time. `strict` makes a
    /// time that is not ISO 8601 an error; otherwise such a post is skipped.
    func scheduledPosts(_ file: CalendarFile, strict: Bool) throws(ChannelFailure) -> [Post] {
        var posts: [Post] = []
        for record in file.records {
            let status = file.statusColumn.map { record.fields[$0].value.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard status.isEmpty || status == "scheduled" else { continue }
            let field = record.fields[file.timeColumn]
            let text = field.value.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let time = CalendarTime.parse(text, localTimeZone: timeZone) else {
                if strict {
                    throw failure("line \(record.line): scheduled_at '\(text.prefix(40))' is not an ISO 8601 date and time such as 2021-10-04T18:00:00Z")
                }
                continue
            }
            let id = record.fields[file.idColumn].value.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else {
                if strict { throw failure("line \(record.line): a scheduled post has no id") }
                continue
            }
            posts.append(
                Post(
                    id: id, network: record.fields[file.networkColumn].value.trimmingCharacters(in: .whitespaces).lowercased(),
                    time: time, field: field, line: record.line))
        }
        return posts
    }

    // MARK: Writing

    /// Replaces the file atomically: a temporary file in the same directory, written and
    /// fsync'd, given the original's permissions, renamed over it; then the directory is
    /// fsync'd so the rename itself survives a crash. A symlinked calendar is written through.
    private func write(_ bytes: [UInt8]) throws(ChannelFailure) {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let directory = (target as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        var info = stat()
        let mode: mode_t = stat(target, &info) == 0 ? info.st_mode & 0o7777 : 0o644
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw writeFailure("cannot create a temporary file in \(directory)") }
        var ok = writeAll(fd, bytes)
        if ok {
            _ = fchmod(fd, mode)
            if info.st_uid != 0 || info.st_gid != 0 { _ = fchown(fd, info.st_uid, info.st_gid) }
            ok = fsync(fd) == 0
        }
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temporary, target) == 0 else {
            let why = ok ? String(cString: strerror(errno)) : reason
            unlink(temporary)
            throw writeFailure("cannot write the calendar (\(why))")
        }
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    private func writeFailure(_ text: String) -> ChannelFailure {
        .retryable("calendar channel '\(name)': \(path): \(text)")
    }
}

/// Writes every byte to `fd`, retrying short writes and EINTR.
private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            #if canImport(Glibc)
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            #else
                let written = Darwin.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
