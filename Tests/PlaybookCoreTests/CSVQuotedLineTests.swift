import Foundation
import Testing

@testable import PlaybookCore

/// A line whose quoted fields all close on it is split with `memchr` rather than byte by byte
/// (every row of a Shopify export quotes its tags). Both ways must read the same records, the
/// same errors and the same field locations, whatever the text.
@Suite struct CSVQuotedLineTests {
    /// Each record with its line and every field's location, or an error with its location.
    static func read(_ path: String, quickQuotedLines: Bool, chunk: Int, limits: CSVRecordReader.Limits) throws -> [String] {
        var reader = try CSVRecordReader(path: path, chunkSize: chunk, limits: limits)
        reader.splitsQuotedLines = quickQuotedLines
        defer { reader.close() }
        var out: [String] = []
        while true {
            do {
                guard let record = try reader.next() else { return out }
                let locations = record.indices.map { index in
                    let (line, column) = reader.location(ofField: index, in: record)
                    return "\(line):\(column)"
                }
                out.append("\(record) @\(reader.line) \(locations)")
            } catch {
                out.append("error \(error.description) @\(error.line):\(error.column)")
            }
        }
    }

    @Test func aShopifyRowReadsTheSameBothWays() throws {
        let text = "\u{FEFF}Customer ID,First Name,Tags\r\n'7390000000001,Zoë,\"vip, newsletter\"\r\n'7390000000002,\"Rossi, \"\"Giu\"\"\",\"\"\r\n"
        let path = try CSVChunkTests.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let quick = try Self.read(path, quickQuotedLines: true, chunk: CSVRecordReader.chunk, limits: .standard)
        #expect(quick == (try Self.read(path, quickQuotedLines: false, chunk: CSVRecordReader.chunk, limits: .standard)))
        #expect(quick[1] == #"["\'7390000000001", "Zoë", "vip, newsletter"] @2 ["2:1", "2:16", "2:20"]"#)
        #expect(quick[2] == #"["\'7390000000002", "Rossi, \"Giu\"", ""] @3 ["3:1", "3:16", "3:33"]"#)
    }

    /// Random text over the bytes that matter (quotes, commas, CR, LF, a two-byte letter, a
    /// blank), with small limits so that overlong fields and rows happen too.
    @Test func randomTextReadsTheSameBothWays() throws {
        var generator = TriggerStateMachineTests.Generator(state: 20_211_004)
        let alphabet: [String] = ["a", "b", "\"", "\"", ",", ",", "\r", "\n", "\n", "é", " ", "\"\""]
        let limits = CSVRecordReader.Limits(fieldBytes: 12, recordBytes: 40)
        for _ in 0..<400 {
            let length = Int.random(in: 0..<80, using: &generator)
            let text = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
            let path = try CSVChunkTests.write(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            for chunk in [3, 4096] {
                let quick = try Self.read(path, quickQuotedLines: true, chunk: chunk, limits: limits)
                let slow = try Self.read(path, quickQuotedLines: false, chunk: chunk, limits: limits)
                #expect(quick == slow, "text: \(text.debugDescription), chunk \(chunk)")
            }
        }
    }
}
