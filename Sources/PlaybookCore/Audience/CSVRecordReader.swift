import Foundation

/// Streams the records of an RFC 4180 CSV file: quoted fields (with `""` escapes and line breaks
/// inside quotes), CRLF or LF, a UTF-8 byte-order mark. Reads in 256 KiB chunks, so memory does
/// not grow with the file.
///
/// Lines without a quote — nearly all of a contacts export — take a fast path that splits the
/// bytes in place; a line with a quote is parsed byte by byte.
public struct CSVRecordReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    private var first = true
    /// 1-based line where the last returned record started.
    public private(set) var line = 0
    private var nextLine = 1

    public static let chunk = 256 * 1024
    static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    private let chunkSize: Int

    /// Opens `path`; `chunkSize` is how much is read at a time (smaller sizes exist so that tests
    /// and fuzzers can put chunk boundaries anywhere).
    public init(path: String, chunkSize: Int = CSVRecordReader.chunk) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
        self.chunkSize = max(1, chunkSize)
    }

    public func close() { try? handle.close() }

    /// Appends the next chunk; false at the end of the file.
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
        buffer.append(contentsOf: chunk)
        // A byte-order mark is decided once 3 bytes are in (or they cannot be one): until then
        // the buffer holds no line break, so nothing has been consumed.
        if first {
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            if buffer.count >= 3 {
                first = false
                if buffer.starts(with: bom) { buffer.removeFirst(3) }
            } else if !bom.starts(with: buffer) {
                first = false
            }
        }
        return true
    }

    /// The next record's fields, or nil at the end. Blank lines are skipped.
    public mutating func next() -> [String]? {
        while true {
            // Make sure a whole line is buffered (or the file has ended).
            var end: Int?
            while true {
                end = buffer[position...].firstIndex(of: Self.newline)
                if end != nil || !fill() { break }
            }
            let lineEnd = end ?? buffer.count
            if lineEnd == position, end == nil { return nil }
            line = nextLine
            if end != nil, lineEnd == position || (lineEnd == position + 1 && buffer[position] == Self.carriageReturn) {
                position = lineEnd + 1
                nextLine += 1
                continue
            }
            let hasQuote = buffer[position..<lineEnd].contains(Self.quote)
            if hasQuote { return slowRecord() }
            var contentEnd = lineEnd
            if contentEnd > position, buffer[contentEnd - 1] == Self.carriageReturn { contentEnd -= 1 }
            let fields: [String] = buffer.withUnsafeBufferPointer { bytes in
                var out: [String] = []
                out.reserveCapacity(12)
                var start = position
                for i in position..<contentEnd where bytes[i] == Self.comma {
                    out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    start = i + 1
                }
                out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<contentEnd]), as: UTF8.self))
                return out
            }
            position = end.map { $0 + 1 } ?? buffer.count
            nextLine += 1
            return fields
        }
    }

    private mutating func nextByte() -> UInt8? {
        if position >= buffer.count, !fill() { return nil }
        guard position < buffer.count else { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func peekByte() -> UInt8? {
        if position >= buffer.count, !fill() { return nil }
        return position < buffer.count ? buffer[position] : nil
    }

    /// A record with quoted fields, which may span lines.
    private mutating func slowRecord() -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        while let byte = nextByte() {
            if quoted {
                if byte == Self.quote {
                    if peekByte() == Self.quote {
                        _ = nextByte()
                        field.append(byte)
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == Self.newline { nextLine += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case Self.quote:
                if field.isEmpty { quoted = true } else { field.append(byte) }
            case Self.comma:
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            case Self.carriageReturn:
                if peekByte() == Self.newline { continue }
                field.append(byte)
            case Self.newline:
                nextLine += 1
                fields.append(String(decoding: field, as: UTF8.self))
                return fields
            default:
                field.append(byte)
            }
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}
