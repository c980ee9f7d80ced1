/// A stream of contacts, one at a time, whatever holds them (a CSV file, an SQLite table).
public protocol ContactReader {
    /// The next usable contact; invalid rows are skipped and counted.
    mutating func next() -> Contact?
    var skippedCount: Int { get }
    /// The first skipped rows, with their line (or row number) and reason.
    var skipped: [ContactsFile.SkippedRow] { get }
    /// Columns beyond the contract's (`contact.fields.*`).
    var extraColumns: [String] { get }
    func close()
}

extension ContactsFile: ContactReader {}

/// Opens the contacts a playbook names. Core reads CSV; the engine adds SQLite databases
/// (`.db`, `.sqlite`, `.sqlite3`), which Core cannot open without a database library.
public struct ContactsOpener: Sendable {
    public let open: @Sendable (String) throws(ContactsFile.OpenError) -> any ContactReader

    public init(open: @escaping @Sendable (String) throws(ContactsFile.OpenError) -> any ContactReader) {
        self.open = open
    }

    /// CSV files only; an SQLite database is reported as not readable here.
    public static let csv = ContactsOpener { path throws(ContactsFile.OpenError) in
        if isDatabase(path) { throw .malformed(path, "is an SQLite database, which this command cannot read") }
        return try ContactsFile(path: path)
    }

    public static func isDatabase(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".db") || lower.hasSuffix(".sqlite") || lower.hasSuffix(".sqlite3")
    }
}
