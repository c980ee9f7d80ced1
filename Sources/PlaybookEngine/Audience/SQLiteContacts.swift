import Foundation
import PlaybookCore

/// Contacts from an SQLite database's `contacts` table (the same columns as the CSV), read row by
/// row. Rows are checked exactly as CSV rows are; a problem's line is the row's position in the
/// table and its column the column's position.
final class SQLiteContacts: ContactReader {
    private var database: SQLiteDatabase?
    private var cursor: SQLiteDatabase.Cursor?
    private var rows: RowValidation
    private var row = 0
    let columnNames: [String]

    init(path: String) throws(ContactsFile.OpenError) {
        let database: SQLiteDatabase
        let cursor: SQLiteDatabase.Cursor
        do {
            database = try SQLiteDatabase(readOnly: path)
        } catch {
            throw .unreadable(path, "cannot be opened as an SQLite database")
        }
        do {
            cursor = try database.cursor("SELECT * FROM contacts")
        } catch {
            database.close()
            throw .invalid(path, line: 1, column: 1, "has no 'contacts' table")
        }
        do {
            rows = RowValidation(columns: try ContactColumns(header: cursor.columns, what: "the 'contacts' table"))
        } catch {
            cursor.finish()
            database.close()
            throw .invalid(path, line: 1, column: error.column, error.message)
        }
        self.database = database
        self.cursor = cursor
        columnNames = cursor.columns
    }

    var issues: ContactIssues { rows.issues }
    var line: Int { row }
    var extraColumns: [String] { rows.extraColumns }

    func next() -> Contact? {
        while let values = cursor?.next() {
            row += 1
            let line = row
            if let contact = rows.contact(from: values, locate: { (line, $0 + 1) }) { return contact }
        }
        return nil
    }

    /// Finalizes the query before closing the database: SQLite refuses to close a connection with
    /// a statement still open, and the file descriptor would leak.
    func close() {
        cursor?.finish()
        cursor = nil
        database?.close()
        database = nil
    }

    deinit { close() }
}

extension ContactsOpener {
    /// CSV files and SQLite databases, told apart by their content.
    public static let standard = ContactsOpener { path throws(ContactsFile.OpenError) in
        if try isDatabase(path) { return try SQLiteContacts(path: path) }
        return try ContactsFile(path: path)
    }
}
