import Foundation

/// Data files (contacts, calendars, csv sources) usually live only on the machine that runs the
/// playbook: missing is a warning, present but malformed is an error (§8).
extension PlaybookChecker {
    static let contactColumns = ["id", "name", "email", "phone", "tags", "consent_email", "consent_sms", "timezone", "locale"]
    static let calendarColumns = ["id", "network", "scheduled_at", "text", "status"]

    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (playbook.directory as NSString).appendingPathComponent(path)
    }

    /// Checks every data file; returns the contacts' extra columns when the contacts file was read.
    func checkDataFiles() -> Set<String>? {
        var extraColumns: Set<String>?
        if let contacts = playbook.audience?.contacts {
            extraColumns = checkContacts(contacts)
        }
        for channel in playbook.channels where channel.type == .calendar {
            if let path = channel["path"], !path.isSecret {
                checkCSV(Located(path.raw, at: path.location), what: "content calendar", of: " of channel '\(channel.id.value)'", required: Self.calendarColumns)
            }
        }
        for source in playbook.sources {
            if case .csv(let path) = source.kind {
                checkCSV(Located(path, at: source.pathLocation ?? source.id.location), what: "data file", of: " of csv source '\(source.id.value)'", required: ["time", "value"])
            }
        }
        return extraColumns
    }

    private func checkContacts(_ path: Located<String>) -> Set<String>? {
        let lower = path.value.lowercased()
        if lower.hasSuffix(".db") || lower.hasSuffix(".sqlite") || lower.hasSuffix(".sqlite3") {
            guard FileManager.default.fileExists(atPath: resolve(path.value)) else {
                sink.warning("contacts database '\(path.value)' not found (it may live only on the machine that runs the playbook); segment counts will be unknown", at: path.location)
                return nil
            }
            return nil
        }
        guard let header = checkCSV(path, what: "contacts file", required: ["id"]) else { return nil }
        return Set(header.filter { !Self.contactColumns.contains($0) })
    }

    /// Reads the header of a CSV data file; nil when missing or malformed (reported).
    @discardableResult
    private func checkCSV(_ path: Located<String>, what kind: String, of owner: String = "", required: [String]) -> [String]? {
        let what = "\(kind) '\(path.value)'\(owner)"
        let full = resolve(path.value)
        guard FileManager.default.fileExists(atPath: full) else {
            sink.warning("\(what) not found (it may live only on the machine that runs the playbook)", at: path.location)
            return nil
        }
        guard let handle = FileHandle(forReadingAtPath: full) else {
            sink.error("\(what) cannot be read", at: path.location)
            return nil
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64 * 1024)) ?? Data()
        var bytes = [UInt8](head)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let firstLineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? (bytes.isEmpty ? nil : bytes.count),
            let line = String(validating: bytes[..<firstLineEnd], as: UTF8.self)
        else {
            sink.error("\(what) is empty or not UTF-8 text; it needs a header row", at: path.location)
            return nil
        }
        let header = CSVHeader.split(line.trimmingBlanks(newlines: true))
        let missing = required.filter { !header.contains($0) }
        if !missing.isEmpty {
            sink.error("\(what) lacks column\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: ", ")) in its header (found: \(header.joined(separator: ",")))", at: path.location)
            return nil
        }
        return header
    }
}

/// Splits a CSV header line (RFC 4180 quoting).
enum CSVHeader {
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current.trimmingBlanks())
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current.trimmingBlanks())
        return fields
    }
}
