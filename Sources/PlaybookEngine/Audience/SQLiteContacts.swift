import Foundation
import PlaybookCore

/// Contacts from an SQLite database's `contacts` table (§8: the same columns as the CSV), read
/// row by row. Rows are checked exactly as CSV rows are.
final class SQLiteContacts: ContactReader {
    private let database: SQLiteDatabase
    private let cursor: SQLiteDatabase.Cursor
    private var rows: RowValidation
    private var row = 0

    init(path: String) throws(ContactsFile.OpenError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path) }
        do {
            database = try SQLiteDatabase(readOnly: path)
            cursor = try database.cursor("SELECT * FROM contacts")
        } catch {
            throw .malformed(path, "has no readable 'contacts' table (\(error.description))")
        }
        guard cursor.columns.contains("id") else { throw .malformed(path, "has a 'contacts' table without an 'id' column") }
        rows = RowValidation(header: cursor.columns)
    }

    var skippedCount: Int { rows.skippedCount }
    var skipped: [ContactsFile.SkippedRow] { rows.skipped }
    var extraColumns: [String] { rows.extraColumns }

    func next() -> Contact? {
        while let values = cursor.next() {
            row += 1
            if let contact = rows.contact(from: values, line: row) { return contact }
        }
        return nil
    }

    func close() {}
}

extension ContactsOpener {
    /// CSV files and SQLite databases (`.db`, `.sqlite`, `.sqlite3`).
    public static let standard = ContactsOpener { path throws(ContactsFile.OpenError) in
        if isDatabase(path) { return try SQLiteContacts(path: path) }
        return try ContactsFile(path: path)
    }
}
