import Foundation

/// A content calendar CSV read so that it can be written back byte for byte: every record keeps
/// where each of its fields lies in the file, so that changing one field rewrites only those
/// bytes (RFC 4180: quoted fields with `""` escapes and line breaks inside quotes, CRLF or LF,
/// a UTF-8 byte-order mark).
struct CalendarFile: Sendable {
    struct Field: Sendable {
        /// Where the field is in `bytes`, quotes included.
        var range: Range<Int>
        var value: String
        var quoted: Bool
    }

    struct Record: Sendable {
        /// 1-based line where the record starts.
        var line: Int
        var fields: [Field]
    }

    struct Malformed: Error, Sendable, Equatable {
        var message: String
    }

    /// The required columns, and the one read when present.
    static let requiredColumns = ["id", "network", "scheduled_at"]

    let bytes: [UInt8]
    let header: [String]
    /// The data records, blank lines left out.
    let records: [Record]
    let idColumn: Int, networkColumn: Int, timeColumn: Int
    let statusColumn: Int?

    init(bytes: [UInt8]) throws(Malformed) {
        self.bytes = bytes
        var all = try Self.parse(bytes)
        guard !all.isEmpty else { throw Malformed(message: "the file is empty; it needs the header id,network,scheduled_at,text,status") }
        let headerRecord = all.removeFirst()
        let names = headerRecord.fields.map { $0.value.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = Self.requiredColumns.filter { !names.contains($0) }
        guard missing.isEmpty else {
            throw Malformed(
                message: "the header has no \(missing.map { "'\($0)'" }.joined(separator: ", ")) column (expected id,network,scheduled_at,text,status)")
        }
        for record in all where record.fields.count != names.count {
            throw Malformed(
                message:
                    "line \(record.line) has \(record.fields.count) fields but the header has \(names.count) (a comma or quote in a text that is not quoted?)")
        }
        header = names
        idColumn = names.firstIndex(of: "id")!
        networkColumn = names.firstIndex(of: "network")!
        timeColumn = names.firstIndex(of: "scheduled_at")!
        statusColumn = names.firstIndex(of: "status")
        records = all
    }

    private static func parse(_ bytes: [UInt8]) throws(Malformed) -> [Record] {
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        let cr = UInt8(0x0D)
        let lf = UInt8(0x0A)
        var records: [Record] = []
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        let n = bytes.count
        while i < n {
            let startLine = line
            var fields: [Field] = []
            while true {
                let start = i
                var value: [UInt8] = []
                var quoted = false
                if i < n, bytes[i] == quote {
                    quoted = true
                    i += 1
                    while true {
                        guard i < n else { throw Malformed(message: "line \(startLine): a quoted field is not closed") }
                        let byte = bytes[i]
                        if byte == quote {
                            if i + 1 < n, bytes[i + 1] == quote {
                                value.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if byte == lf { line += 1 }
                        value.append(byte)
                        i += 1
                    }
                    guard i == n || bytes[i] == comma || bytes[i] == cr || bytes[i] == lf else {
                        throw Malformed(message: "line \(line): unexpected text after the closing quote of a field")
                    }
                } else {
                    while i < n, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                        value.append(bytes[i])
                        i += 1
                    }
                }
                fields.append(Field(range: start..<i, value: String(decoding: value, as: UTF8.self), quoted: quoted))
                if i < n, bytes[i] == comma {
                    i += 1
                    continue
                }
                break
            }
            if i < n, bytes[i] == cr { i += 1 }
            if i < n, bytes[i] == lf { i += 1 }
            line += 1
            let blank = fields.count == 1 && !fields[0].quoted && fields[0].value.trimmingCharacters(in: .whitespaces).isEmpty
            if !blank { records.append(Record(line: startLine, fields: fields)) }
        }
        return records
    }

    /// The file with some fields replaced (each at most once), every other byte as it was. A
    /// field that was quoted stays quoted.
    func replacing(_ changes: [(field: Field, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + changes.count * 8)
        var position = 0
        for change in changes.sorted(by: { $0.field.range.lowerBound < $1.field.range.lowerBound }) {
            out += bytes[position..<change.field.range.lowerBound]
            let escaped = change.value.replacingOccurrences(of: "\"", with: "\"\"")
            let needsQuotes = change.field.quoted || change.value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            out += Array((needsQuotes ? "\"\(escaped)\"" : change.value).utf8)
            position = change.field.range.upperBound
        }
        out += bytes[position...]
        return out
    }
}
