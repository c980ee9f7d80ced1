import Foundation
import PlaybookCore
import PlaybookEngine
import Testing

/// `watch`'s log lines: for people (time, playbook, message; warnings in yellow on a terminal)
/// or one JSON object for a log collector, secrets masked before either is written.
@Suite struct WatchEventLineTests {
    static let time = Date(timeIntervalSince1970: 1_633_362_000.25)

    static let warning = WatchEvent(
        time: time, name: "source_unreadable", playbook: "shop", fields: [("source", .string("web"))], message: "source 'web' cannot be read",
        isWarning: true)

    @Test func plainIsTimePlaybookAndMessage() {
        #expect(Self.warning.line(.plain) == "2021-10-04T15:40:00.250Z shop: source 'web' cannot be read")
    }

    @Test func aWarningIsYellowOnATerminalAndOtherEventsAreNot() {
        #expect(Self.warning.line(.terminal) == "\u{1B}[33m2021-10-04T15:40:00.250Z shop: source 'web' cannot be read\u{1B}[0m")
        let started = WatchEvent(time: Self.time, name: "watch_started", playbook: nil, message: "watching 1 playbook")
        #expect(started.line(.terminal) == "2021-10-04T15:40:00.250Z watching 1 playbook")
    }

    @Test func jsonIsOneObjectWithTheEventsFields() throws {
        let line = Self.warning.line(.json)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(
            object == [
                "time": "2021-10-04T15:40:00.250Z", "event": "source_unreadable", "playbook": "shop", "source": "web", "message": "source 'web' cannot be read",
            ])
    }

    @Test func aRedactedEventShowsNoSecretInEitherStyle() {
        let leaky = WatchEvent(
            time: Self.time, name: "x", playbook: nil, fields: [("url", .string("https://t0k3n-value@stats"))], message: "failed with t0k3n-value")
        let redacted = leaky.redacted(by: SecretRedactor(secrets: ["t0k3n-value"]))
        #expect(!redacted.line(.plain).contains("t0k3n-value"))
        #expect(!redacted.line(.json).contains("t0k3n-value"))
    }
}
