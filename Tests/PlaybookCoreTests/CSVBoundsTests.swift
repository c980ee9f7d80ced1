import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// A field and a row are bounded, with an error at their line, and reading stays linear: one
/// 64 MiB field once took 2.7 s and 164 MB, and an unclosed quote swallowed the file.
@Suite struct CSVBoundsTests {
    static let small = CSVRecordReader.Limits(fieldBytes: 16, recordBytes: 64)

    @Test func aFieldOverTheLimitIsAnErrorAtItsColumnAndTheNextRowIsRead() throws {
        let path = try CSVChunkTests.write("id,note\nc1,\(String(repeating: "x", count: 17))\nc2,ok\nc3,\"\(String(repeating: "y", count: 20))\"\nc4,é\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = [
            ["id", "note", "@1"],
            ["error: field longer than 16 bytes; the row is skipped", "@2:4"],
            ["c2", "ok", "@3"],
            ["error: field longer than 16 bytes; the row is skipped", "@4:4"],
            ["c4", "é", "@5"],
        ]
        for chunk in [1, 5, 7, CSVRecordReader.chunk] {
            #expect(try CSVChunkTests.records(path, chunk: chunk, limits: Self.small) == expected, "chunk \(chunk)")
        }
    }

    @Test func aRowOverTheLimitIsAnError() throws {
        let row = (0..<12).map { "f\($0)" }.joined(separator: ",")  // 12 short fields, 37 bytes: twice that is over 64
        let path = try CSVChunkTests.write("a\n\(row),\(row)\nlast\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = [["a", "@1"], ["error: row longer than 64 bytes; the row is skipped", "@2:1"], ["last", "@3"]]
        for chunk in [1, 3, 8, CSVRecordReader.chunk] {
            #expect(try CSVChunkTests.records(path, chunk: chunk, limits: Self.small) == expected, "chunk \(chunk)")
        }
    }

    /// A quote opened and never closed within the bounds: an error at the quote, and the lines
    /// after it are rows again.
    @Test func anUnclosedQuoteStopsAtTheBoundAndReadingGoesOn() throws {
        var text = "id,note\nc1,\"open\n"
        for i in 2...10 { text += "c\(i),row \(i)\n" }
        let path = try CSVChunkTests.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = try CSVChunkTests.records(path, chunk: 4, limits: Self.small)
        #expect(records[1] == ["error: field longer than 16 bytes; the row is skipped", "@2:4"])
        #expect(records[2] == ["c2", "row 2", "@3"])
        #expect(records.last == ["c10", "row 10", "@11"])
        #expect(records.count == 11)
    }

    /// The real bound, on one 64 MiB field: an error naming 64 KiB at the field's line and
    /// column, the row after it read, and the reader's memory bounded by the row limit.
    @Test func aSixtyFourMebibyteFieldIsRefusedAtItsLine() throws {
        let path = TestScratch.root.appendingPathComponent("huge-\(UUID().uuidString).csv").path
        FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data("id,note\nc1,".utf8))
        let mebibyte = Data(repeating: UInt8(ascii: "x"), count: 1024 * 1024)
        for _ in 0..<64 { try handle.write(contentsOf: mebibyte) }
        try handle.write(contentsOf: Data("\nc2,after\n".utf8))
        try handle.close()

        let started = ContinuousClock.now
        let records = try CSVChunkTests.records(path, chunk: CSVRecordReader.chunk)
        let elapsed = ContinuousClock.now - started
        #expect(
            records == [
                ["id", "note", "@1"],
                ["error: field longer than 64 KiB; the row is skipped", "@2:4"],
                ["c2", "after", "@3"],
            ])
        // Linear: a scan of 64 MiB, well under the 2.7 s the quadratic reader took in release.
        #expect(elapsed < .seconds(20))
    }

    @Test func aQuotedFieldWithAFarOffClosingQuoteIsBounded() throws {
        var text = "id,note\nc1,\"" + String(repeating: "z", count: 300 * 1024) + "\"\nc2,fine\n"
        text += "c3,\"x\"\n"
        let path = try CSVChunkTests.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = try CSVChunkTests.records(path, chunk: CSVRecordReader.chunk)
        #expect(records[1] == ["error: field longer than 64 KiB; the row is skipped", "@2:4"])
        #expect(records.suffix(2) == [["c2", "fine", "@3"], ["c3", "x", "@4"]])
    }

    @Test func aNULByteEndsTheFileAsNotText() throws {
        let path = TestScratch.root.appendingPathComponent("nul-\(UUID().uuidString).csv").path
        try Data("id\nc1\nc2\0secret\nc3\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The text ends at the NUL: the rows before it are read, the one it cuts short is not,
        // nothing after it is — the same whatever the chunk size (found by FuzzContacts: the
        // records used to depend on where a chunk ended).
        let notText = "error: not text: the file contains a NUL byte"
        for chunk in [1, 2, 3, 7, CSVRecordReader.chunk] {
            let records = try CSVChunkTests.records(path, chunk: chunk)
            #expect(records == [["id", "@1"], ["c1", "@2"], [notText, "@3:1"]], "chunk \(chunk)")
            #expect(!records.flatMap { $0 }.contains { $0.contains("secret") })
        }
        try Data("id\nc1\n\0".utf8).write(to: URL(fileURLWithPath: path))
        for chunk in [1, 4, CSVRecordReader.chunk] {
            #expect(try CSVChunkTests.records(path, chunk: chunk) == [["id", "@1"], ["c1", "@2"], [notText, "@3:1"]], "chunk \(chunk)")
        }
    }

    @Test func aFifoIsNotOpened() throws {
        let path = TestScratch.root.appendingPathComponent("fifo-\(UUID().uuidString)").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DataFile.OpenFailure.notRegular) { try CSVRecordReader(path: path) }
    }
}
