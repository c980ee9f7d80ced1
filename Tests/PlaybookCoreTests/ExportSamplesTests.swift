import Foundation
@testable import PlaybookCore
import Testing

/// The sample export of each tool (Fixtures/exports, with the awkward rows: BOM, CRLF, quoted
/// commas, non-ASCII names, phones without country) mapped as docs/contacts.md says: ids, names,
/// tags, phones and the reasons a phone is not used, as expected.json states them by line.
@Suite struct ExportSamplesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/exports")

    static var expected: [String: [String: Any]] {
        let data = (try? Data(contentsOf: folder.appendingPathComponent("expected.json"))) ?? Data()
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return object?["files"] as? [String: [String: Any]] ?? [:]
    }

    /// Every row of a sample, mapped, by the line it starts on.
    static func mapped(_ file: String, format: ContactsFormat) throws -> (mapping: ExportMapping, rows: [Int: [String]], phoneProblems: [Int: PhoneNumber.Problem]) {
        var reader = try CSVRecordReader(path: folder.appendingPathComponent(file).path)
        defer { reader.close() }
        guard let header = try reader.next() else { throw CocoaError(.fileReadCorruptFile) }
        let mapping = try #require(try ExportMapping.make(format: format, columns: nil, header: header))
        var rows: [Int: [String]] = [:]
        var problems: [Int: PhoneNumber.Problem] = [:]
        while let record = try reader.next() {
            rows[reader.line] = mapping.record(record, line: reader.line)
            if let problem = mapping.phoneProblem(record) { problems[reader.line] = problem }
        }
        return (mapping, rows, problems)
    }

    @Test(arguments: [
        ("shopify.csv", ContactsFormat.shopify), ("shopify-legacy.csv", .shopify), ("mailchimp-subscribed.csv", .mailchimp), ("klaviyo.csv", .klaviyo),
        ("woocommerce.csv", .woocommerce),
    ])
    func eachSampleMapsAsDocumented(_ file: String, _ format: ContactsFormat) throws {
        let expected = try #require(Self.expected[file], "expected.json describes \(file)")
        let (mapping, rows, problems) = try Self.mapped(file, format: format)
        #expect(rows.count == expected["rows"] as? Int)
        let column = { (name: String) in mapping.header.firstIndex(of: name)! }
        for (line, id) in expected["ids"] as? [String: String] ?? [:] {
            #expect(rows[Int(line)!]?[column("id")] == id, "id at line \(line)")
        }
        for (line, fields) in expected["contacts"] as? [String: [String: Any]] ?? [:] {
            let row = try #require(rows[Int(line)!], "a row starts at line \(line)")
            for (field, value) in fields {
                if let list = value as? [String] {
                    #expect(row[column(field)] == list.joined(separator: ";"), "\(field) at line \(line)")
                } else {
                    #expect(row[column(field)] == value as? String, "\(field) at line \(line)")
                }
            }
        }
        let sms = expected["unusable_sms"] as? [String: [String: Any]] ?? [:]
        for problem in [PhoneNumber.Problem.noCountry, .countryUnknown, .notE164] {
            let lines = (sms[problem.rawValue]?["lines"] as? [Int] ?? []).sorted()
            #expect(problems.filter { $0.value == problem }.keys.sorted() == lines, "\(problem.rawValue) in \(file)")
        }
    }

    @Test func mailchimpsUnsubscribedExportIsNeverContacted() throws {
        let (mapping, rows, _) = try Self.mapped("mailchimp-unsubscribed.csv", format: .mailchimp)
        let consent = mapping.header.firstIndex(of: "consent_email")!
        #expect(!rows.isEmpty && rows.values.allSatisfy { $0[consent] == "false" })
    }
}
