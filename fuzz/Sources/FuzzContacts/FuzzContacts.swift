import Foundation
import FuzzSupport
import PlaybookCore

/// The contacts CSV reader: the records are the same whatever the chunk boundaries, a row is
/// either a usable contact or skipped with a reason, and routing every contact (consent, quiet
/// hours in its timezone) never crashes.
let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-contacts-\(getpid()).csv").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContacts(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    Fuzz.require(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
    defer { try? FileManager.default.removeItem(atPath: path) }

    func records(chunk: Int) -> [(line: Int, fields: [String])] {
        // A malformed record stands in the list as its error, at its line.
        guard var reader = try? CSVRecordReader(path: path, chunkSize: chunk) else {
            Fuzz.require(false, "cannot open \(path)")
            return []
        }
        defer { reader.close() }
        var out: [(line: Int, fields: [String])] = []
        while true {
            Fuzz.require(out.count <= bytes.count, "more records than bytes")
            do {
                guard let record = try reader.next() else { break }
                out.append((reader.line, record))
            } catch {
                out.append((error.line, ["error: \(error.description) @\(error.column)"]))
            }
        }
        return out
    }
    let whole = records(chunk: CSVRecordReader.chunk)
    let small = records(chunk: 1 + bytes.count % 7)
    Fuzz.require(whole.count == small.count, "\(whole.count) records in one chunk, \(small.count) in small chunks")
    for (a, b) in zip(whole, small) {
        Fuzz.require(a.line == b.line && a.fields == b.fields, "record differs with small chunks: line \(a.line) \(a.fields) vs line \(b.line) \(b.fields)")
    }
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    for record in whole { Fuzz.require(record.line >= 1 && record.line <= lines, "record at line \(record.line) of \(lines)") }

    guard var contacts = try? ContactsFile(path: path) else { return 0 }
    defer { contacts.close() }
    let routing = DeliveryRouting(
        via: [(id: "sms", type: .twilio), (id: "mail", type: .smtp), (id: "bot", type: .telegram)], mode: .all,
        quietHours: TimeWindow.parse("21:00-08:00"), defaultTimezone: TimeZone(identifier: "Europe/Rome")!)
    var cache = DeliveryRouting.QuietHoursCache()
    var count = 0
    while let contact = contacts.next() {
        count += 1
        Fuzz.require(!contact.id.isEmpty, "a contact without an id")
        Fuzz.require(contact.email.isEmpty || RowValidation.isEmail(contact.email), "invalid email let through: \(contact.email)")
        Fuzz.require(contact.phone.isEmpty || RowValidation.isE164(contact.phone), "invalid phone let through: \(contact.phone)")
        for route in routing.routes(for: contact, at: Fuzz.start, cache: &cache) {
            if route.type == .smtp { Fuzz.require(contact.consentEmail, "mail without consent") }
            if route.type == .twilio { Fuzz.require(contact.consentSMS, "SMS without consent") }
            if let until = route.deferredUntil { Fuzz.require(until > Fuzz.start && until <= Fuzz.start.addingTimeInterval(86_400), "deferred to \(until)") }
        }
        _ = contact.json.serialized()
    }
    Fuzz.require(count + contacts.skippedCount <= max(0, whole.count - 1), "\(count) contacts and \(contacts.skippedCount) skipped from \(whole.count) records")
    for issue in contacts.issues.errors + contacts.issues.warnings {
        Fuzz.require(issue.line >= 2 && issue.line <= lines, "issue at line \(issue.line)")
    }
    return 0
}
