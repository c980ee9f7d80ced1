import Foundation
import PlaybookCore

/// What every fuzz target shares: invariants that stop the run (libFuzzer records the input),
/// and the facts and contacts expressions and templates are evaluated against.
public enum Fuzz {
    /// Stops with `message` when an invariant does not hold: libFuzzer reports a crash and saves the input.
    public static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition() { fatalError("invariant broken: \(message())", file: file, line: line) }
    }

    /// The bytes of a libFuzzer input.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The repository's root, found from this file's place in it (fuzz/Sources/FuzzSupport/).
    public static let repository: String = {
        var url = URL(fileURLWithPath: "\(#filePath)")
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Every diagnostic points at a real place: line and column from 1.
    public static func requirePositions(_ diagnostics: [Diagnostic], _ what: String) {
        for d in diagnostics {
            require(d.location.line >= 1 && d.location.column >= 1, "\(what): diagnostic at \(d.location): \(d.message)")
            require(!d.message.isEmpty, "\(what): empty diagnostic message at \(d.location)")
        }
    }

    /// A moment of the 4 October 2021 outage, and the facts of an incident opened then.
    public static let start = Date(timeIntervalSince1970: 1_633_362_000)  // 2021-10-04T15:40:00Z

    public static let scope = NameScope(
        triggerFields: [
            "id": .text, "kind": .text, "platforms": .list(.text), "platform_names": .text, "value": .number,
            "baseline": .number, "drop": .number, "payload": .any,
        ],
        stepIDs: ["warn-vips", "pause-ads", "everyone"],
        vars: .object([
            ("shop_url", .string("https://shop.example.com")), ("limit", .number(0.7)), ("tags", .array([.string("vip")])),
            ("nested", .object([("deep", .object([("x", .number(1))]))])),
        ]),
        allowsContact: true, contactFields: ["tier", "telegram_chat_id"])

    public static func facts(payload: JSONValue = .object([("status", .string("down"))])) -> Facts {
        Facts(
            trigger: [
                "platforms": .list([.text("facebook"), .text("instagram")]), "value": .number(36), "baseline": .number(120),
                "drop": .number(0.7), "payload": Value(payload),
            ],
            triggerID: "meta-down", triggerKind: "platform_down", triggerTypes: scope.triggerFields,
            incidentID: "meta-outage-20211004T154000Z", startedAt: start, elapsed: 600, now: start.addingTimeInterval(600), active: true,
            timezone: TimeZone(identifier: "Europe/Rome")!, vars: scope.vars, stepStatuses: ["warn-vips": "succeeded"])
    }

    public static let contact = Contact(
        id: "c001", name: "Giulia Rossi", email: "giulia@example.com", phone: "+393331234567", tags: ["vip", "newsletter"],
        consentEmail: true, consentSMS: true, timezone: "Europe/Rome", locale: "it-IT", fields: ["tier": "supporter", "telegram_chat_id": "42"])
}
