import Foundation
import PlaybookCore
import PlaybookEngine
import Synchronization

/// A csv source (`time,value`): the value at a moment is the last row at or before it, as an
/// observation in a scenario holds until the next. Times are ISO 8601, Unix seconds, or
/// `+DURATION` counted from the watcher's start (a replay). The file is read again when it changes.
final class CSVSeries: Sendable {
    private let origin: Date
    /// Each file's rows, read again when its modification date changes; probes read concurrently.
    private let cache = Mutex<[String: (modified: Date?, rows: [(Date, Double)])]>([:])

    init(origin: Date) {
        self.origin = origin
    }

    func value(path: String, at time: Date) throws(SourceFailure) -> Double {
        let rows = try self.rows(path)
        var low = 0
        var high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].0 <= time { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { throw SourceFailure("\((path as NSString).lastPathComponent) has no row at or before \(WatchEvent.iso(time))") }
        return rows[low - 1].1
    }

    private func rows(_ path: String) throws(SourceFailure) -> [(Date, Double)] {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date
        if let cached = cache.withLock({ $0[path] }), cached.modified == modified { return cached.rows }
        let rows = try Self.read(path, origin: origin)
        cache.withLock { $0[path] = (modified, rows) }
        return rows
    }

    static func read(_ path: String, origin: Date) throws(SourceFailure) -> [(Date, Double)] {
        let name = (path as NSString).lastPathComponent
        var reader: CSVRecordReader
        do {
            reader = try CSVRecordReader(path: path)
        } catch {
            throw SourceFailure("cannot read \(name)")
        }
        defer { reader.close() }
        func next() throws(SourceFailure) -> [String]? {
            do {
                return try reader.next()
            } catch {
                throw SourceFailure("\(name):\(error.line): \(error.description)")
            }
        }
        guard let header = try next()?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
            let timeColumn = header.firstIndex(of: "time"), let valueColumn = header.firstIndex(of: "value")
        else { throw SourceFailure("\(name) needs the columns time,value") }
        var rows: [(Date, Double)] = []
        while let record = try next() {
            guard record.count > max(timeColumn, valueColumn) else { continue }
            let timeText = record[timeColumn].trimmingCharacters(in: .whitespaces)
            guard !timeText.isEmpty else { continue }
            guard let time = parseTime(timeText, origin: origin) else {
                throw SourceFailure("\(name):\(reader.line): '\(timeText)' is not a time (ISO 8601, Unix seconds, or +DURATION from the start)")
            }
            guard let value = Double(record[valueColumn].trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw SourceFailure("\(name):\(reader.line): '\(record[valueColumn])' is not a number")
            }
            rows.append((time, value))
        }
        return rows.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
    }

    static func parseTime(_ text: String, origin: Date) -> Date? {
        if text.hasPrefix("+"), let seconds = PlaybookCore.Duration.parseSeconds(String(text.dropFirst())) { return origin.addingTimeInterval(seconds) }
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
