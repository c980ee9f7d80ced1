import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// The CSV reader gives the same records wherever its reads split the file (the contacts fuzz
/// target checks the same on arbitrary bytes).
@Suite struct CSVChunkTests {
    static let text = "\u{FEFF}id,name,note\r\nc1,\"Rossi, Giulia\",\"line one\r\nline \"\"two\"\"\"\r\n\r\nc2,Marco,plain\nc3,\"unterminated,x\nc4,after,it\n"

    /// Records as `fields + ["@line"]`, and a malformed one as `["error: …", "@line:column"]`.
    static func records(_ path: String, chunk: Int, limits: CSVRecordReader.Limits = .standard) throws -> [[String]] {
        var reader = try CSVRecordReader(path: path, chunkSize: chunk, limits: limits)
        defer { reader.close() }
        var out: [[String]] = []
        while true {
            do {
                guard let record = try reader.next() else { return out }
                out.append(record + ["@\(reader.line)"])
            } catch {
                out.append(["error: \(error.description)", "@\(error.line):\(error.column)"])
            }
        }
    }

    static func write(_ text: String) throws -> String {
        let path = TestScratch.root.appendingPathComponent("chunks-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func chunkBoundariesDoNotChangeRecords() throws {
        let path = try Self.write(Self.text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = try Self.records(path, chunk: CSVRecordReader.chunk)
        #expect(whole == [
            ["id", "name", "note", "@1"],
            ["c1", "Rossi, Giulia", "line one\r\nline \"two\"", "@2"],
            ["c2", "Marco", "plain", "@5"],
            // The quote opened on line 6 is never closed: an error there, and reading goes on
            // at line 7 instead of swallowing the rest of the file into one field.
            ["error: the quote opened here is never closed; the row is skipped", "@6:4"],
            ["c4", "after", "it", "@7"],
        ])
        for chunk in 1...9 { #expect(try Self.records(path, chunk: chunk) == whole, "chunk \(chunk)") }
    }

    @Test func bareQuotesAndTextAfterAClosingQuoteAreKept() throws {
        // A byte-order mark then a quote at once: the mark is decided after the scan began.
        let path = try Self.write("\u{FEFF}\"a\",b\n5\" screen,\"x\"y\r\n\"q\"\r\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = [["a", "b", "@1"], ["5\" screen", "xy", "@2"], ["q", "@3"]]
        for chunk in [1, 2, 3, 4, CSVRecordReader.chunk] { #expect(try Self.records(path, chunk: chunk) == expected, "chunk \(chunk)") }
    }
}
