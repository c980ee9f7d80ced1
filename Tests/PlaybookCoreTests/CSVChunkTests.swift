import Foundation
import PlaybookCore
import Testing

/// The CSV reader gives the same records wherever its reads split the file (the contacts fuzz
/// target checks the same on arbitrary bytes).
@Suite struct CSVChunkTests {
    static let text = "\u{FEFF}id,name,note\r\nc1,\"Rossi, Giulia\",\"line one\r\nline \"\"two\"\"\"\r\n\r\nc2,Marco,plain\nc3,\"unterminated,x\n"

    func records(_ path: String, chunk: Int) throws -> [[String]] {
        var reader = try CSVRecordReader(path: path, chunkSize: chunk)
        defer { reader.close() }
        var out: [[String]] = []
        while let record = reader.next() { out.append(record + ["@\(reader.line)"]) }
        return out
    }

    @Test func chunkBoundariesDoNotChangeRecords() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chunks-\(UUID().uuidString).csv").path
        try Self.text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = try records(path, chunk: CSVRecordReader.chunk)
        #expect(whole.first == ["id", "name", "note", "@1"])
        #expect(whole.count == 4)  // the header, c1 over two lines, c2, and c3 whose open quote runs to the end
        for chunk in 1...9 { #expect(try records(path, chunk: chunk) == whole, "chunk \(chunk)") }
    }
}
