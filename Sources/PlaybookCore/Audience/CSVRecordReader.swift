import Foundation

/// Streams the records of an RFC 4180 CSV file: quoted fields (with `""` escapes and line breaks
/// inside quotes), CRLF or LF, a UTF-8 byte-order mark. Reads in 256 KiB chunks, so memory does
/// not grow with the file.
///
/// Every byte is looked at a bounded number of times, so reading is linear in the file's size,
/// and a field (64 KiB) and a record (1 MiB) are bounded: a longer one, or a quote never closed,
/// is a `Malformed` error at its line, after which reading goes on at the next line instead of
/// swallowing the rest of the file. Lines without a quote — nearly all of a contacts export —
/// take a fast path that splits the bytes in place; a line with a quote is parsed byte by byte.
public struct CSVRecordReader {
    /// How long a field and a record may be, in bytes.
    public struct Limits: Sendable, Equatable {
        public var fieldBytes: Int
        public var recordBytes: Int

        public init(fieldBytes: Int, recordBytes: Int) {
            self.fieldBytes = fieldBytes
            self.recordBytes = recordBytes
        }

        /// A contact's longest field is a note or an address; 64 KiB is far beyond any, and a
        /// record of 1 MiB keeps the reader's memory under 1.5 MiB whatever the file holds.
        public static let standard = Limits(fieldBytes: 64 * 1024, recordBytes: 1024 * 1024)
    }

    /// A record that cannot be read. Reading goes on with the line after it.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Reason: Sendable, Equatable {
            case unclosedQuote
            case fieldTooLong(limit: Int)
            case recordTooLong(limit: Int)
            /// A NUL byte: the file is not text, and nothing more is read.
            case notText
        }

        public var reason: Reason
        /// 1-based line and column (in characters) where the problem starts.
        public var line: Int
        public var column: Int

        public var description: String {
            switch reason {
            case .unclosedQuote: return "the quote opened here is never closed; the row is skipped"
            case .fieldTooLong(let limit): return "field longer than \(Self.size(limit)); the row is skipped"
            case .recordTooLong(let limit): return "row longer than \(Self.size(limit)); the row is skipped"
            case .notText: return "not text: the file contains a NUL byte"
            }
        }

        static func size(_ bytes: Int) -> String {
            if bytes >= 1024 * 1024, bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MiB" }
            if bytes >= 1024, bytes % 1024 == 0 { return "\(bytes / 1024) KiB" }
            return "\(bytes) bytes"
        }
    }

    private let handle: FileHandle
    /// Bytes read and not yet consumed start at `position`; a record being read stays in the
    /// buffer from its first byte until it is complete (at most `recordBytes` plus a chunk).
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    private var bomDecided = false
    private var sawNUL = false
    private var reportedNUL = false
    /// 1-based line where the last returned record started.
    public private(set) var line = 0
    private var nextLine = 1
    /// Where each field of the last record started, when it was parsed byte by byte (a quoted
    /// record); empty after a fast-path record, whose positions follow from its fields.
    private var slowStarts: [(line: Int, column: Int)] = []
    private var slowField: [UInt8] = []

    public static let chunk = 256 * 1024
    static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    private let chunkSize: Int
    public let limits: Limits
    /// Whether a line with quotes that all close on it is split with `memchr` (`quotedLine`);
    /// off only in tests, which compare both paths.
    var splitsQuotedLines = true

    /// Opens `path` (a regular file only); `chunkSize` is how much is read at a time (smaller
    /// sizes exist so that tests and fuzzers can put chunk boundaries anywhere).
    public init(path: String, chunkSize: Int = CSVRecordReader.chunk, limits: Limits = .standard) throws(DataFile.OpenFailure) {
        self.init(handle: try DataFile.openForReading(path), chunkSize: chunkSize, limits: limits)
    }

    /// Reads from an open handle, from its current position.
    public init(handle: FileHandle, chunkSize: Int = CSVRecordReader.chunk, limits: Limits = .standard) {
        self.handle = handle
        self.chunkSize = max(1, chunkSize)
        self.limits = limits
    }

    public func close() { try? handle.close() }

    /// Appends the next chunk, dropping consumed bytes first (so `position` becomes 0); false at
    /// the end of the file or at a NUL byte.
    private mutating func fill() -> Bool {
        if finished { return false }
        guard let chunk = (try? handle.read(upToCount: chunkSize)) ?? nil, !chunk.isEmpty else {
            finished = true
            return false
        }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        // A NUL byte ends the text: what comes before it is read (so that the records returned
        // do not depend on where chunks happen to end), nothing after it.
        let nul = chunk.withUnsafeBytes { bytes -> Int? in
            memchr(bytes.baseAddress!, 0, bytes.count).map { bytes.baseAddress!.distance(to: $0) }
        }
        if let nul {
            sawNUL = true
            finished = true
            guard nul > 0 else { return false }
            buffer.append(contentsOf: chunk.prefix(nul))
        } else {
            buffer.append(contentsOf: chunk)
        }
        // A byte-order mark is decided once 3 bytes are in (or they cannot be one): until then
        // the buffer holds no line break, so nothing has been consumed.
        if !bomDecided {
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            if buffer.count >= 3 {
                bomDecided = true
                if buffer.starts(with: bom) { buffer.removeFirst(3) }
            } else if !bom.starts(with: buffer) {
                bomDecided = true
            }
        }
        return true
    }

    /// The index of the first `byte` in `buffer[from..<to]`, found with `memchr`.
    @inline(__always)
    private func find(_ byte: UInt8, from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        return buffer.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress, let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The next record's fields, or nil at the end. Blank lines are skipped. A record that
    /// cannot be read throws, and the next call reads on from the line after it; after a NUL byte
    /// (`notText`) nothing more is read.
    public mutating func next() throws(Malformed) -> [String]? {
        if reportedNUL { return nil }
        let record: [String]?
        let startLine = nextLine
        do {
            record = try nextRecord()
        } catch {
            // The text the NUL cut short is not a record: the file is not text from here on.
            guard sawNUL, position >= buffer.count else { throw error }
            reportedNUL = true
            throw Malformed(reason: .notText, line: error.line, column: 1)
        }
        guard sawNUL, position >= buffer.count else { return record }
        // The text ends at a NUL byte. A record whose line break came before it is a record
        // (returned now; the next call reports the NUL); one the NUL cut short is not.
        if record != nil, position > 0, buffer[position - 1] == Self.newline { return record }
        reportedNUL = true
        throw Malformed(reason: .notText, line: record == nil ? startLine : line, column: 1)
    }

    private mutating func nextRecord() throws(Malformed) -> [String]? {
        slowStarts.removeAll(keepingCapacity: true)
        while true {
            if position >= buffer.count, !fill() { return nil }
            line = nextLine
            // Find the end of the line, scanning each byte once however many chunks it spans.
            var scanned = position
            var end: Int?
            var hasQuote = false
            while true {
                if let found = find(Self.newline, from: scanned, to: buffer.count) {
                    hasQuote = find(Self.quote, from: scanned, to: found) != nil
                    end = found
                    break
                }
                if find(Self.quote, from: scanned, to: buffer.count) != nil {
                    hasQuote = true
                    break
                }
                if buffer.count - position > limits.recordBytes { throw overlongLine() }
                let offset = buffer.count - position
                let bomWasDecided = bomDecided
                guard fill() else { break }
                // Removing a byte-order mark shifts the bytes: scan again (at most 2 bytes).
                scanned = bomWasDecided ? position + offset : position
            }
            if hasQuote {
                if splitsQuotedLines, let end, let fields = quotedLine(end: end) { return fields }
                return try slowRecord()
            }
            let lineEnd = end ?? buffer.count
            if lineEnd == position, end == nil { return nil }
            if end != nil, lineEnd == position || (lineEnd == position + 1 && buffer[position] == Self.carriageReturn) {
                position = lineEnd + 1
                nextLine += 1
                continue
            }
            var contentEnd = lineEnd
            if contentEnd > position, buffer[contentEnd - 1] == Self.carriageReturn { contentEnd -= 1 }
            let fieldLimit = limits.fieldBytes
            var overlongField: Int?
            let fields: [String] = buffer.withUnsafeBufferPointer { bytes in
                var out: [String] = []
                out.reserveCapacity(12)
                var start = position
                for i in position..<contentEnd where bytes[i] == Self.comma {
                    if i - start > fieldLimit {
                        overlongField = start
                        return []
                    }
                    out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    start = i + 1
                }
                if contentEnd - start > fieldLimit {
                    overlongField = start
                    return []
                }
                out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<contentEnd]), as: UTF8.self))
                return out
            }
            let lineStart = position
            position = end.map { $0 + 1 } ?? buffer.count
            nextLine += 1
            if let overlongField {
                throw Malformed(reason: .fieldTooLong(limit: fieldLimit), line: line, column: column(of: overlongField, lineStart: lineStart))
            }
            if lineEnd - lineStart > limits.recordBytes {
                throw Malformed(reason: .recordTooLong(limit: limits.recordBytes), line: line, column: 1)
            }
            return fields
        }
    }

    /// A line with quotes whose quoted fields all close on it — every row of a Shopify export,
    /// whose tags are quoted — split with `memchr` instead of byte by byte. The fields and their
    /// starts are exactly what `slowRecord` gives; anything it would treat specially (a quote
    /// left open to the next line, text after a closing quote, an overlong field or record) is
    /// nil, and the caller reads the line the slow way.
    private mutating func quotedLine(end: Int) -> [String]? {
        let lineStart = position
        guard end - lineStart <= limits.recordBytes else { return nil }
        var contentEnd = end
        if contentEnd > lineStart, buffer[contentEnd - 1] == Self.carriageReturn { contentEnd -= 1 }
        let fieldLimit = limits.fieldBytes
        // The reader's own arrays, taken out so the closure below can fill them (capacity kept).
        var starts = slowStarts, escaped = slowField
        (slowStarts, slowField) = ([], [])
        defer { (slowStarts, slowField) = (starts, escaped) }
        let line = self.line
        let fields: [String]? = buffer.withUnsafeBufferPointer { bytes -> [String]? in
            guard let base = bytes.baseAddress else { return nil }
            func find(_ byte: UInt8, _ from: Int) -> Int? {
                guard from < contentEnd, let hit = memchr(base + from, Int32(byte), contentEnd - from) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            var out: [String] = []
            out.reserveCapacity(12)
            // Columns count characters: every byte but UTF-8 continuation bytes, counted once.
            var column = 1
            var counted = lineStart
            var start = lineStart
            while true {
                for i in counted..<start where bytes[i] & 0xC0 != 0x80 { column += 1 }
                counted = start
                starts.append((line, column))
                if start < contentEnd, bytes[start] == Self.quote {
                    // Quoted: runs to a quote not doubled, which must end the field.
                    var segment = start + 1
                    var isEscaped = false
                    escaped.removeAll(keepingCapacity: true)
                    while true {
                        guard let close = find(Self.quote, segment) else { return nil }
                        if close + 1 < contentEnd, bytes[close + 1] == Self.quote {
                            escaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment...close]))
                            isEscaped = true
                            segment = close + 2
                            continue
                        }
                        if isEscaped { escaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segment..<close])) }
                        let length = isEscaped ? escaped.count : close - start - 1
                        guard length <= fieldLimit else { return nil }
                        out.append(
                            isEscaped
                                ? String(decoding: escaped, as: UTF8.self)
                                : String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<close]), as: UTF8.self))
                        if close + 1 == contentEnd { return out }
                        guard bytes[close + 1] == Self.comma else { return nil }
                        start = close + 2
                        break
                    }
                } else {
                    // Unquoted: up to the next comma; a quote inside it is kept as written.
                    let comma = find(Self.comma, start)
                    let fieldEnd = comma ?? contentEnd
                    guard fieldEnd - start <= fieldLimit else { return nil }
                    out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<fieldEnd]), as: UTF8.self))
                    guard let comma else { return out }
                    start = comma + 1
                }
            }
        }
        guard let fields else {
            starts.removeAll(keepingCapacity: true)
            return nil
        }
        position = end + 1
        nextLine += 1
        return fields
    }

    /// The 1-based column, in characters, of `index` in the line starting at `lineStart`.
    private func column(of index: Int, lineStart: Int) -> Int {
        var column = 1
        for i in lineStart..<index where buffer[i] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// A line without a quote has outgrown the record limit before its end: the error names its
    /// first overlong field if it has one, and the rest of the line is skipped unread.
    private mutating func overlongLine() -> Malformed {
        var start = position
        var overlong: Int?
        while let comma = find(Self.comma, from: start, to: buffer.count) {
            if comma - start > limits.fieldBytes {
                overlong = start
                break
            }
            start = comma + 1
        }
        if overlong == nil, buffer.count - start > limits.fieldBytes { overlong = start }
        let malformed =
            overlong.map { Malformed(reason: .fieldTooLong(limit: limits.fieldBytes), line: line, column: column(of: $0, lineStart: position)) }
            ?? Malformed(reason: .recordTooLong(limit: limits.recordBytes), line: line, column: 1)
        skipLine(from: buffer.count, line: line)
        return malformed
    }

    /// Goes on after the next line break at or after `index` (on line `line`), discarding what
    /// it passes over without keeping it.
    private mutating func skipLine(from index: Int, line: Int) {
        var from = index
        while true {
            if let found = find(Self.newline, from: from, to: buffer.count) {
                position = found + 1
                nextLine = line + 1
                return
            }
            position = buffer.count
            guard fill() else {
                nextLine = line + 1
                return
            }
            from = position
        }
    }

    /// Where field `index` of the last record starts: 1-based line and column (in characters).
    public func location(ofField index: Int, in record: [String]) -> (line: Int, column: Int) {
        Self.location(ofField: index, in: record, line: line, quotedStarts: slowStarts)
    }

    /// Where each field of the last record started, when it had quotes (empty otherwise): with
    /// `location(ofField:in:line:quotedStarts:)`, a caller can locate fields without copying the
    /// reader.
    public var quotedFieldStarts: [(line: Int, column: Int)] { slowStarts }

    public static func location(ofField index: Int, in record: [String], line: Int, quotedStarts: [(line: Int, column: Int)]) -> (line: Int, column: Int) {
        if index < quotedStarts.count { return quotedStarts[index] }
        var column = 1
        for field in record.prefix(index) { column += field.unicodeScalars.count + 1 }
        return (line, column)
    }

    private enum Mode {
        case fieldStart, unquoted, quoted, afterQuote
    }

    /// A record with quoted fields, which may span lines; starts at `position`, which stays at
    /// the record's first byte until the record is complete.
    private mutating func slowRecord() throws(Malformed) -> [String] {
        var fields: [String] = []
        slowField.removeAll(keepingCapacity: true)
        var mode = Mode.fieldStart
        var i = position
        var currentLine = line
        var currentColumn = 1
        /// Whether the field's last byte is a CR outside quotes: dropped if a line break follows.
        var pendingCR = false
        /// Where the open quote is, to go on after its line when the record is broken.
        var quoteIndex = position
        var quoteLine = line
        var quoteColumn = 1
        while true {
            if i >= buffer.count {
                let offset = i - position
                let quoteOffset = quoteIndex - position
                guard fill() else { break }
                i = position + offset
                quoteIndex = position + quoteOffset
            }
            let byte = buffer[i]
            let (byteLine, byteColumn) = (currentLine, currentColumn)
            i += 1
            if byte == Self.newline {
                currentLine += 1
                currentColumn = 1
            } else if byte & 0xC0 != 0x80 {
                currentColumn += 1
            }
            if mode == .fieldStart {
                slowStarts.append((byteLine, byteColumn))
                if byte == Self.quote {
                    mode = .quoted
                    quoteIndex = i - 1
                    quoteLine = byteLine
                    quoteColumn = byteColumn
                    continue
                }
                mode = .unquoted
            }
            switch mode {
            case .quoted:
                if byte == Self.quote {
                    mode = .afterQuote
                } else {
                    slowField.append(byte)
                }
            case .afterQuote where byte == Self.quote:
                // `""` inside a quoted field is one quote.
                slowField.append(byte)
                mode = .quoted
            default:
                switch byte {
                case Self.comma:
                    fields.append(String(decoding: slowField, as: UTF8.self))
                    slowField.removeAll(keepingCapacity: true)
                    mode = .fieldStart
                    pendingCR = false
                case Self.newline:
                    if pendingCR { slowField.removeLast() }
                    fields.append(String(decoding: slowField, as: UTF8.self))
                    position = i
                    nextLine = currentLine
                    return fields
                default:
                    // Text after a closing quote, or a bare quote inside an unquoted field, is
                    // kept as it is, as spreadsheets do.
                    slowField.append(byte)
                    pendingCR = byte == Self.carriageReturn
                    mode = .unquoted
                }
            }
            if slowField.count > limits.fieldBytes {
                let start = slowStarts.last ?? (line, 1)
                let malformed = Malformed(reason: .fieldTooLong(limit: limits.fieldBytes), line: start.line, column: start.column)
                resume(afterLineOf: mode == .quoted ? quoteIndex : i, line: mode == .quoted ? quoteLine : currentLine)
                throw malformed
            }
            if i - position > limits.recordBytes {
                let malformed = Malformed(reason: .recordTooLong(limit: limits.recordBytes), line: line, column: 1)
                resume(afterLineOf: mode == .quoted ? quoteIndex : i, line: mode == .quoted ? quoteLine : currentLine)
                throw malformed
            }
        }
        // The end of the file.
        if mode == .quoted {
            resume(afterLineOf: quoteIndex, line: quoteLine)
            throw Malformed(reason: .unclosedQuote, line: quoteLine, column: quoteColumn)
        }
        if pendingCR { slowField.removeLast() }
        if mode == .fieldStart { slowStarts.append((currentLine, currentColumn)) }
        fields.append(String(decoding: slowField, as: UTF8.self))
        position = buffer.count
        nextLine = currentLine + 1
        return fields
    }

    /// After a broken record, reading goes on at the line after `index`'s line: the rest of the
    /// file is read again as rows rather than swallowed into one field.
    private mutating func resume(afterLineOf index: Int, line: Int) {
        slowStarts.removeAll(keepingCapacity: true)
        skipLine(from: index, line: line)
    }
}
