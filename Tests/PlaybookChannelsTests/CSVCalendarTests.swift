import Foundation
import PlaybookEngine
import PlaybookTestSupport
import Testing

@testable import PlaybookChannels

/// The calendar channel on real files: what moves, what stays byte for byte, and how the file
/// is replaced.
struct CSVCalendarTests {
    /// 2021-10-04 15:40 UTC: the outage.
    static let now = Date(timeIntervalSince1970: 1_633_362_000)
    static let day = 24.0 * 3600

    /// A calendar with a BOM, CRLF line endings, an extra column in the middle, quoted texts with
    /// commas, quotes and a line break, and times in several ISO 8601 spellings.
    static let calendar =
        "\u{FEFF}id,network,campaign,scheduled_at,text,status\r\n"
        + "p1,instagram,autumn,2021-10-04T18:00:00Z,\"New autumn collection, 20% off\",scheduled\r\n"
        + "p2,Facebook,autumn,2021-10-04T21:30+02:00,\"Live at \"\"8pm\"\"\nwith Q&A\",\r\n"
        + "p3,tiktok,autumn,2021-10-04T19:00:00Z,Studio tour,scheduled\r\n"
        + "p4,instagram,winter,2021-10-06T12:00:00Z,Too late for the window,scheduled\r\n"
        + "p5,instagram,autumn,2021-10-04T15:00:00Z,Already past,scheduled\r\n"
        + "p6,instagram,autumn,2021-10-04T20:00:00Z,A draft,draft\r\n"
        + "p7,facebook,autumn,\"2021-10-05 09:15\",Local time in Rome,Scheduled\r\n"
        + "\r\n"
        + "p8,instagram,autumn,2021-10-05T08:00:00.250Z,Fractional seconds,scheduled\r\n"

    /// A calendar file in a directory of its own, removed when the test is done.
    final class Fixture {
        let directory: URL
        let path: String
        let calendar: CSVCalendar

        init(_ text: String = CSVCalendarTests.calendar, timeZone: String = "Europe/Rome") throws {
            directory = TestScratch.root.appendingPathComponent("calendar-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("calendar.csv").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            calendar = CSVCalendar(name: "calendar", path: path, timeZone: TimeZone(identifier: timeZone)!)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var bytes: [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }
        var files: [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] }
    }

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func movesOnlyScheduledPostsOfTheNetworksWithinTheWindow() async throws {
        let fixture = try Fixture()
        let moves = try await fixture.calendar.movesToReschedule(networks: ["instagram", "facebook"], window: Self.day, shift: 2 * Self.day, now: Self.now)
        #expect(moves.map(\.postID) == ["p1", "p2", "p7", "p8"])
        #expect(moves.map(\.network) == ["instagram", "facebook", "facebook", "instagram"])
        #expect(moves[0].from == Self.date("2021-10-04T18:00:00Z"))
        #expect(moves[1].from == Self.date("2021-10-04T19:30:00Z"))
        // No offset: a wall-clock time in the playbook's timezone (Rome, UTC+2 in October).
        #expect(moves[2].from == Self.date("2021-10-05T07:15:00Z"))
        #expect(moves.allSatisfy { $0.to == $0.from.addingTimeInterval(2 * Self.day) })
        #expect(fixture.bytes == Array(Self.calendar.utf8), "reading changes nothing")
    }

    @Test func rescheduleChangesOnlyThoseTimesAndRestoreGivesBackTheSameBytes() async throws {
        let fixture = try Fixture()
        let moves = try await fixture.calendar.movesToReschedule(networks: ["instagram", "facebook"], window: Self.day, shift: 2 * Self.day, now: Self.now)
        try await fixture.calendar.apply(moves)

        let expected = Self.calendar
            .replacingOccurrences(of: "p1,instagram,autumn,2021-10-04T18:00:00Z", with: "p1,instagram,autumn,2021-10-06T18:00:00Z")
            .replacingOccurrences(of: "2021-10-04T21:30+02:00", with: "2021-10-06T21:30+02:00")
            .replacingOccurrences(of: "\"2021-10-05 09:15\"", with: "\"2021-10-07 09:15\"")
            .replacingOccurrences(of: "2021-10-05T08:00:00.250Z", with: "2021-10-07T08:00:00.250Z")
        #expect(fixture.bytes == Array(expected.utf8))

        // The engine restores with the reverse moves; every original time is still ahead.
        let back = Engine.restoringMoves(moves, now: Self.now.addingTimeInterval(600))
        try await fixture.calendar.apply(back)
        #expect(fixture.bytes == Array(Self.calendar.utf8))
        #expect(fixture.files == ["calendar.csv"], "no temporary file is left behind")
    }

    @Test func applyingTwiceIsHarmless() async throws {
        let fixture = try Fixture()
        let moves = try await fixture.calendar.movesToReschedule(networks: ["instagram"], window: Self.day, shift: 3600, now: Self.now)
        try await fixture.calendar.apply(moves)
        let once = fixture.bytes
        try await fixture.calendar.apply(moves)
        #expect(fixture.bytes == once)
        #expect(fixture.text.contains("p1,instagram,autumn,2021-10-04T19:00:00Z,"))
    }

    @Test func aPostMovedByHandMeanwhileIsLeftAlone() async throws {
        let fixture = try Fixture()
        let moves = try await fixture.calendar.movesToReschedule(networks: ["instagram"], window: Self.day, shift: 2 * Self.day, now: Self.now)
        // The shop moves p1 itself before the engine applies.
        let edited = fixture.text.replacingOccurrences(of: "2021-10-04T18:00:00Z", with: "2021-10-04T18:30:00Z")
        try Data(edited.utf8).write(to: URL(fileURLWithPath: fixture.path))
        try await fixture.calendar.apply(moves)
        #expect(fixture.text.contains("p1,instagram,autumn,2021-10-04T18:30:00Z,"))
        #expect(fixture.text.contains("2021-10-07T08:00:00.250Z"), "the others moved")
    }

    @Test func matchesToTheMinute() async throws {
        let fixture = try Fixture("id,network,scheduled_at,text,status\nq1,x,2021-10-04T18:00:42Z,hi,scheduled\n", timeZone: "UTC")
        let move = PostMove(postID: "q1", network: "x", from: Self.date("2021-10-04T18:00:00Z"), to: Self.date("2021-10-05T18:00:00Z"))
        try await fixture.calendar.apply([move])
        #expect(fixture.text == "id,network,scheduled_at,text,status\nq1,x,2021-10-05T18:00:00Z,hi,scheduled\n")
    }

    @Test func keepsThePermissionsAndLeavesNoTemporaryFile() async throws {
        let fixture = try Fixture()
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: fixture.path)
        let moves = try await fixture.calendar.movesToReschedule(networks: ["instagram"], window: Self.day, shift: 3600, now: Self.now)
        try await fixture.calendar.apply(moves)
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(fixture.files == ["calendar.csv"])
    }

    @Test func writesThroughASymlink() async throws {
        let fixture = try Fixture()
        let link = fixture.directory.appendingPathComponent("link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fixture.path)
        let calendar = CSVCalendar(name: "calendar", path: link)
        let moves = try await calendar.movesToReschedule(networks: ["instagram"], window: Self.day, shift: 3600, now: Self.now)
        try await calendar.apply(moves)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == fixture.path)
        #expect(fixture.text.contains("2021-10-04T19:00:00Z,\"New autumn"))
    }

    @Test func nothingToMoveLeavesTheFileUntouched() async throws {
        let fixture = try Fixture()
        let before = try FileManager.default.attributesOfItem(atPath: fixture.path)[.systemFileNumber] as? NSNumber
        let moves = try await fixture.calendar.movesToReschedule(networks: ["youtube"], window: Self.day, shift: 3600, now: Self.now)
        #expect(moves.isEmpty)
        try await fixture.calendar.apply(moves)
        let after = try FileManager.default.attributesOfItem(atPath: fixture.path)[.systemFileNumber] as? NSNumber
        #expect(before == after, "not rewritten")
    }

    @Test(arguments: [
        ("id,network,scheduled_at,text,status\np1,instagram,2021-10-04T18:00:00Z,\"unclosed,scheduled\n", "line 2: a quoted field is not closed"),
        ("id,network,scheduled_at,text,status\np1,instagram,2021-10-04T18:00:00Z,Sale, 20% off,scheduled\n", "line 2 has 6 fields but the header has 5"),
        ("id,network,when,text,status\np1,instagram,2021-10-04T18:00:00Z,hi,scheduled\n", "the header has no 'scheduled_at' column"),
        (
            "id,network,scheduled_at,text,status\np1,instagram,tomorrow at six,hi,scheduled\n",
            "line 2: scheduled_at 'tomorrow at six' is not an ISO 8601 date and time"
        ),
        ("id,network,scheduled_at,text,status\np1,instagram,2021-13-04T18:00:00Z,hi,scheduled\n", "line 2: scheduled_at '2021-13-04T18:00:00Z' is not"),
        ("id,network,scheduled_at,text,status\np1,instagram,\"2021-10-04T18:00:00Z\"x,hi,scheduled\n", "line 2: unexpected text after the closing quote"),
        ("id,network,scheduled_at,text,status\np1,x,2021-10-04T18:00:00Z,a,\np1,x,2021-10-04T19:00:00Z,b,\n", "lines 2 and 3 are both post 'p1' on x"),
        ("", "the file is empty"),
    ])
    func malformedFilesAreAPermanentErrorThatSaysWhere(_ text: String, _ expected: String) async throws {
        let fixture = try Fixture(text)
        do {
            _ = try await fixture.calendar.movesToReschedule(networks: ["instagram"], window: Self.day, shift: 3600, now: Self.now)
            Issue.record("expected an error")
        } catch {
            #expect(!error.isRetryable)
            #expect(error.message.hasPrefix("calendar channel 'calendar': \(fixture.path): "), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func aMissingFileIsAPermanentError() async throws {
        let calendar = CSVCalendar(name: "calendar", path: "/nonexistent/calendar.csv")
        do {
            _ = try await calendar.movesToReschedule(networks: ["instagram"], window: Self.day, shift: 3600, now: Self.now)
            Issue.record("expected an error")
        } catch {
            #expect(!error.isRetryable)
            #expect(error.message == "calendar channel 'calendar': /nonexistent/calendar.csv: no such file")
        }
    }

    @Test(arguments: [
        ("2021-10-04T18:00:00Z", "2021-10-06T18:00:00Z"),
        ("2021-10-04t18:00z", "2021-10-06t18:00z"),
        ("2021-10-04 20:00:00+02:00", "2021-10-06 20:00:00+02:00"),
        ("2021-10-04T20:00+0200", "2021-10-06T20:00+0200"),
        ("2021-10-04T13:00:00-05", "2021-10-06T13:00:00-05"),
        ("2021-10-04T20:00:00", "2021-10-06T20:00:00"),
        ("2021-10-04T18:00:00.5Z", "2021-10-06T18:00:00.5Z"),
    ])
    func timesKeepTheirSpelling(_ original: String, _ moved: String) throws {
        let rome = TimeZone(identifier: "Europe/Rome")!
        let time = try #require(CalendarTime.parse(original, localTimeZone: rome))
        #expect(CalendarTime.format(time.date, style: time.style, localTimeZone: rome) == original)
        #expect(CalendarTime.format(time.date.addingTimeInterval(2 * Self.day), style: time.style, localTimeZone: rome) == moved)
    }

    /// However many fraction digits a calendar spells, a moved time keeps that many, without
    /// trapping on 10^digits.
    @Test func aTimeWithTwentyFiveFractionDigitsIsMoved() throws {
        let original = "2021-10-04T18:00:00.1234567890123456789012345Z"
        let time = try #require(CalendarTime.parse(original, localTimeZone: .current))
        let moved = CalendarTime.format(time.date.addingTimeInterval(2 * Self.day), style: time.style, localTimeZone: .current)
        #expect(moved.hasPrefix("2021-10-06T18:00:00.1234"), "\(moved)")
        #expect(moved.hasSuffix("0000000000000000Z") && moved.count == original.count, "\(moved)")
    }

    @Test func localTimesFollowDaylightSavingTime() throws {
        let rome = TimeZone(identifier: "Europe/Rome")!
        // 30 October 2021 20:00 in Rome is UTC+2; two days later, after the change, UTC+1.
        let time = try #require(CalendarTime.parse("2021-10-30T20:00", localTimeZone: rome))
        #expect(time.date == Self.date("2021-10-30T18:00:00Z"))
        #expect(CalendarTime.format(time.date.addingTimeInterval(2 * Self.day), style: time.style, localTimeZone: rome) == "2021-11-01T19:00")
    }

    @Test func secondsAreWrittenWhenTheNewTimeHasThem() {
        let style = CalendarTime.Style(separator: "T", seconds: false, fractionDigits: 0, zone: .utc("Z"))
        #expect(CalendarTime.format(Self.date("2021-10-04T18:00:30Z"), style: style, localTimeZone: .current) == "2021-10-04T18:00:30Z")
    }
}
