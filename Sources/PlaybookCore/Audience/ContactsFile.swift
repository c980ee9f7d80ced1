import Foundation

/// Reads contacts from a CSV file, one at a time. The file must be a regular file of text (one
/// with a NUL byte is refused before any contact is read) with a header naming an `id` column.
/// Problems in rows are recorded in `issues` and never stop the reading: see `RowValidation`.
public struct ContactsFile {
    public static let columns = ContactColumns.names

    /// Why a contacts file or database cannot be read at all.
    public enum OpenError: Error, CustomStringConvertible {
        case missing(String)
        /// The path cannot be opened (not a regular file, permission): nothing was read.
        case unreadable(String, String)
        /// The content cannot be used, at a line and column of the file (its header, a missing
        /// table, NUL bytes).
        case invalid(String, line: Int, column: Int, String)
        /// A database, where only CSV can be read (the core library has no SQLite).
        case unsupported(String, String)

        public var description: String {
            switch self {
            case .missing(let path): return "contacts file '\(path)' not found"
            case .unreadable(let path, let why): return "contacts file '\(path)' \(why)"
            case .invalid(let path, let line, _, let why): return "contacts file '\(path)' line \(line): \(why)"
            case .unsupported(let path, let why): return "contacts file '\(path)' \(why)"
            }
        }

        init(_ failure: DataFile.OpenFailure, path: String) {
            switch failure {
            case .missing: self = .missing(path)
            default: self = .unreadable(path, failure.description)
            }
        }
    }

    private var reader: CSVRecordReader
    private var rows: RowValidation
    public let path: String
    public var issues: ContactIssues { rows.issues }
    /// Extra columns, beyond the contract's.
    public var extraColumns: [String] { rows.extraColumns }
    /// The header as read (names trimmed), for checks of near-miss column names.
    public let columnNames: [String]

    /// How an export's records become native ones (`format:` / `columns:`); nil for the native layout.
    private let mapping: ExportMapping?
    /// The native record of the current export row, refilled for every row (one array for the
    /// whole file instead of one per row).
    private var mapped: [String] = []

    public init(path: String, layout: ContactsLayout = .native, limits: CSVRecordReader.Limits = .standard, consent: ConsentValues = .standard) throws(OpenError) {
        self.path = path
        let handle: FileHandle
        do {
            handle = try DataFile.openForReading(path)
        } catch {
            throw OpenError(error, path: path)
        }
        // A file with a NUL byte is not text (a binary, or `/proc/self/environ`): refused whole,
        // before a single contact is used, and never quoted.
        if let offset = DataFile.firstNUL(in: handle) {
            try? handle.close()
            throw .invalid(path, line: 1, column: 1, DataFile.notTextReason(at: offset))
        }
        do {
            try handle.seek(toOffset: 0)
        } catch {
            try? handle.close()
            throw .unreadable(path, "cannot be read twice (\(error.localizedDescription))")
        }
        reader = CSVRecordReader(handle: handle, limits: limits)
        let first: [String]?
        do {
            first = try reader.next()
        } catch {
            reader.close()
            throw .invalid(path, line: error.line, column: error.column, "the header cannot be read: \(error.description)")
        }
        guard let first else {
            reader.close()
            throw .invalid(path, line: 1, column: 1, "is empty; it needs a header row")
        }
        let header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        do {
            mapping = try ExportMapping.make(format: layout.format, columns: layout.columns, header: header)
        } catch {
            reader.close()
            throw .invalid(path, line: 1, column: 1, error.description)
        }
        columnNames = mapping?.header ?? header
        do {
            rows = RowValidation(columns: try ContactColumns(header: columnNames), consent: consent)
        } catch {
            reader.close()
            throw .invalid(path, line: reader.line, column: reader.location(ofField: error.column - 1, in: first).column, error.message)
        }
    }

    public func close() { reader.close() }

    public var line: Int { reader.line }

    /// The next usable contact, or nil at the end of the file.
    public mutating func next() -> Contact? {
        while true {
            let record: [String]
            do {
                guard let read = try reader.next() else { return nil }
                record = read
            } catch {
                rows.reject(line: error.line, column: error.column, error.description)
                continue
            }
            // Only what locating a field needs, not a copy of the reader (this runs for every row).
            let (line, starts) = (reader.line, reader.quotedFieldStarts)
            guard let mapping else {
                let contact = rows.contact(from: record) { CSVRecordReader.location(ofField: $0, in: record, line: line, quotedStarts: starts) }
                if let contact { return contact }
                continue
            }
            // An export: its record as the native columns, problems located at the export's own cells.
            var phoneProblem: PhoneNumber.Problem?
            mapping.record(record, line: line, into: &mapped, phoneProblem: &phoneProblem)
            let contact = rows.contact(from: mapped) { field in
                CSVRecordReader.location(ofField: mapping.sourceColumn(ofField: field) ?? 0, in: record, line: line, quotedStarts: starts)
            }
            if var contact {
                switch phoneProblem {
                case .noCountry?: contact.problems.insert(.phoneNoCountry)
                case .countryUnknown?: contact.problems.insert(.phoneCountryUnknown)
                default: break
                }
                return contact
            }
        }
    }
}
