import Foundation

/// Streams the records of an RFC 4180 CSV file: quoted fields (with `""` escapes and line breaks
/// inside quotes), CRLF or LF, a UTF-8 byte-order mark. Reads in 64 KiB chunks, so memory does
/// not grow with the file.
public struct CSVRecordReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    private var first = true
    /// 1-based line where the last returned record started.
    public private(set) var line = 0
    private var nextLine = 1

    public init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
    }

    public func close() { try? handle.close() }

    private mutating func fill() -> Bool {
        if finished { return false }
        let chunk = (try? handle.read(upToCount: 64 * 1024)) ?? nil
        guard let chunk, !chunk.isEmpty else {
            finished = true
            return false
        }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        buffer.append(contentsOf: chunk)
        if first {
            first = false
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
        }
        return true
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

    /// The next record's fields, or nil at the end. Blank lines are skipped.
    public mutating func next() -> [String]? {
        while true {
            line = nextLine
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            var sawAny = false
            while let byte = nextByte() {
                sawAny = true
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if peekByte() == UInt8(ascii: "\"") {
                            _ = nextByte()
                            field.append(byte)
                        } else {
                            quoted = false
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") { nextLine += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    if field.isEmpty { quoted = true } else { field.append(byte) }
                case UInt8(ascii: ","):
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                case UInt8(ascii: "\r"):
                    if peekByte() == UInt8(ascii: "\n") { continue }
                    field.append(byte)
                case UInt8(ascii: "\n"):
                    nextLine += 1
                    fields.append(String(decoding: field, as: UTF8.self))
                    if fields.count == 1, fields[0].isEmpty { fields = []; field = []; sawAny = false; line = nextLine; continue }
                    return fields
                default:
                    field.append(byte)
                }
            }
            if !sawAny { return nil }
            fields.append(String(decoding: field, as: UTF8.self))
            if fields.count == 1, fields[0].isEmpty { return nil }
            return fields
        }
    }
}
