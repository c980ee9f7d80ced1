import Foundation

/// Data files (contacts, calendars, csv sources) usually live only on the machine that runs the
/// playbook: missing is a warning, present but malformed is an error. Their content is never
/// quoted beyond one offending field (see `DataFileExcerpt`): a mistyped path may name a file of
/// secrets, and diagnostics end up in CI logs.
extension PlaybookChecker {
    static let contactColumns = ContactColumns.names
    static let calendarColumns = ["id", "network", "scheduled_at", "text", "status"]

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || playbook.directory == "." { return path }
        return (playbook.directory as NSString).appendingPathComponent(path)
    }

    /// Checks every data file; returns the contacts' extra columns when the contacts file was read.
    func checkDataFiles() -> Set<String>? {
        guard options.dataFiles != .none else { return nil }
        var extraColumns: Set<String>?
        if let contacts = playbook.audience?.contacts {
            extraColumns = checkContacts(contacts)
        }
        for channel in playbook.channels where channel.type == .calendar {
            if let path = channel["path"], !path.isSecret {
                checkCSV(
                    Located(path.raw, at: path.location), what: "content calendar", of: " of channel '\(channel.id.value)'", required: Self.calendarColumns)
            }
        }
        for source in playbook.sources {
            if case .csv(let path) = source.kind {
                checkCSV(
                    Located(path, at: source.pathLocation ?? source.id.location), what: "data file", of: " of csv source '\(source.id.value)'",
                    required: ["time", "value"])
            }
        }
        return extraColumns
    }

    /// Opens the contacts file (a database is recognised by its content) and, for `validate`,
    /// reads every row: problems are reported at their line in the contacts file, the first 20
    /// of each severity and then a count.
    private func checkContacts(_ path: Located<String>) -> Set<String>? {
        let full = resolve(path.value)
        var reader: any ContactReader
        do {
            reader = try options.contactsOpener.open(full, layout: playbook.audience?.layout ?? .native)
        } catch {
            switch error {
            case .missing:
                sink.warning("contacts file '\(path.value)' not found (it may live only on the machine that runs the playbook)", at: path.location)
            case .unreadable(_, let why):
                sink.error("contacts file '\(path.value)' \(why)", at: path.location)
            case .invalid(_, let line, let column, let why):
                sink.error(why, at: SourceLocation(file: full, line: line, column: column))
            case .unsupported(_, let why):
                if options.dataFiles == .whole { sink.warning("contacts file '\(path.value)' \(why); its rows are not checked", at: path.location) }
            }
            return nil
        }
        defer { reader.close() }
        if options.dataFiles == .whole {
            let header = reader.columnNames
            for miss in (try? ContactColumns(header: header))?.nearMisses(in: header) ?? [] {
                sink.warning(
                    "no '\(miss.missing)' column, but \(DataFileExcerpt.quoted(miss.name)) looks like it (column names are exact; it is read as contact.fields.\(miss.name))",
                    at: SourceLocation(file: full, line: 1, column: Self.headerColumn(miss.column, in: header)))
            }
            while reader.next() != nil {}
            for diagnostic in reader.issues.diagnostics(file: full) { sink.report(diagnostic) }
        }
        return Set(reader.extraColumns)
    }

    /// The character column where header name number `position` (1-based) starts, assuming no
    /// quotes (a hint's position, not a parse).
    static func headerColumn(_ position: Int, in header: [String]) -> Int {
        1 + header.prefix(position - 1).reduce(0) { $0 + $1.count + 1 }
    }

    /// Reads the header of a CSV data file; nil when missing or malformed (reported).
    @discardableResult
    private func checkCSV(_ path: Located<String>, what kind: String, of owner: String = "", required: [String]) -> [String]? {
        let what = "\(kind) '\(path.value)'\(owner)"
        let full = resolve(path.value)
        var reader: CSVRecordReader
        do {
            reader = try CSVRecordReader(path: full)
        } catch {
            if error == .missing {
                sink.warning("\(what) not found (it may live only on the machine that runs the playbook)", at: path.location)
            } else {
                sink.error("\(what) \(error.description)", at: path.location)
            }
            return nil
        }
        defer { reader.close() }
        let record: [String]?
        do {
            record = try reader.next()
        } catch {
            sink.error("\(what) has a header that cannot be read (line \(error.line)): \(error.description)", at: path.location)
            return nil
        }
        guard let record else {
            sink.error("\(what) is empty; it needs a header row", at: path.location)
            return nil
        }
        let header = record.map { $0.trimmingBlanks(newlines: true) }
        let missing = required.filter { !header.contains($0) }
        if !missing.isEmpty {
            let hint =
                missing.lazy.compactMap { wanted in ContactColumns.suggestion(for: wanted, among: header, known: required).map { (wanted, $0) } }.first
                .map { " (did you mean \(DataFileExcerpt.quoted($0.1)) for '\($0.0)'?)" } ?? ""
            sink.error(
                "\(what) lacks column\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) in its header\(hint)",
                at: path.location)
            return nil
        }
        return header
    }
}
