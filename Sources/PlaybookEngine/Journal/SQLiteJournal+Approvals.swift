import Foundation
import PlaybookCore

extension SQLiteJournal: ApprovalJournal {
    private static let approvalColumns = "incident, step, token_id, requested_at, expires_at, status, decided_by, decided_at"

    /// Durable before its request goes out.
    public func createApproval(_ record: ApprovalRecord) async throws {
        try await commit([
            (
                "INSERT OR IGNORE INTO approvals (\(Self.approvalColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(record.incident), .text(record.step), .text(record.tokenID), Self.time(record.requestedAt), Self.time(record.expiresAt),
                    .text(record.status.rawValue), Self.text(record.decidedBy), Self.time(record.decidedAt),
                ]
            )
        ])
    }

    public func approval(incident: String, step: String) throws -> ApprovalRecord? {
        try database.query("SELECT \(Self.approvalColumns) FROM approvals WHERE incident = ? AND step = ?", [.text(incident), .text(step)])
            .first.map(Self.approval(from:))
    }

    public func approvals(incident: String) throws -> [ApprovalRecord] {
        try database.query("SELECT \(Self.approvalColumns) FROM approvals WHERE incident = ? ORDER BY rowid", [.text(incident)]).map(Self.approval(from:))
    }

    /// One statement that changes the row only while it is pending: of two processes deciding at
    /// once, SQLite's write lock lets exactly one change it.
    public func decideApproval(incident: String, step: String, status: ApprovalRecord.Status, by: String, at: Date) async throws -> Bool {
        var changed = false
        try database.transaction { () throws(SQLiteDatabase.Failure) in
            try database.run(
                "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? WHERE incident = ? AND step = ? AND status = 'pending'",
                [.text(status.rawValue), .text(by), Self.time(at), .text(incident), .text(step)])
            changed = (try database.query("SELECT changes()").first?.first?.int ?? 0) > 0
        }
        return changed
    }

    /// `approval.key` beside the database: 32 random bytes, 0600, made on first use.
    public nonisolated func approvalKey() throws -> ApprovalKey {
        let directory = (path as NSString).deletingLastPathComponent
        return try ApprovalKeyFile.load(in: directory)
    }

    private static func approval(from row: [SQLiteDatabase.Value]) -> ApprovalRecord {
        ApprovalRecord(
            incident: row[0].text ?? "", step: row[1].text ?? "", tokenID: row[2].text ?? "",
            requestedAt: date(row[3]) ?? Date(timeIntervalSince1970: 0), expiresAt: date(row[4]) ?? Date(timeIntervalSince1970: 0),
            status: ApprovalRecord.Status(rawValue: row[5].text ?? "") ?? .pending, decidedBy: row[6].text, decidedAt: date(row[7]))
    }
}

/// The approval key's file in a state directory. Created by writing a private temporary file
/// and linking it into place, so that two runs starting at once agree on one key and neither
/// reads a half-written one.
enum ApprovalKeyFile {
    static let name = "approval.key"

    static func load(in directory: String) throws -> ApprovalKey {
        let path = (directory as NSString).appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: path) {
            let temporary = path + ".\(UUID().uuidString).tmp"
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PrivateFiles.fileMode)
            guard descriptor >= 0 else {
                throw JournalFailure(description: "cannot create the approval key in \(directory): \(String(cString: strerror(errno)))")
            }
            fchmod(descriptor, PrivateFiles.fileMode)
            let bytes = ApprovalKey.generate().bytes
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            fsync(descriptor)
            close(descriptor)
            defer { unlink(temporary) }
            guard written == bytes.count else { throw JournalFailure(description: "cannot write the approval key in \(directory)") }
            if link(temporary, path) != 0, errno != EEXIST {
                throw JournalFailure(description: "cannot create the approval key in \(directory): \(String(cString: strerror(errno)))")
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalFailure(description: "cannot read the approval key \(path)")
        }
        do {
            return try ApprovalKey(bytes: [UInt8](data))
        } catch {
            throw JournalFailure(
                description: "the approval key \(path) is damaged (\(error.description)); delete it to make a new one (pending approval links stop working)")
        }
    }
}
