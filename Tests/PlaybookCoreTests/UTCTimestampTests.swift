import Foundation
import PlaybookCore
import Testing

/// Progress lines stamp each event with `Date.utcTimestamp`; it must read exactly as the
/// `ISO8601DateFormatter` it replaced, whatever the moment.
@Suite struct UTCTimestampTests {
    @Test(arguments: [
        0, 59.999, 946_684_799, 951_782_400, 1_633_348_800.5, 1_796_487_600, 1_798_761_599.9, 4_102_444_800, 253_402_300_799,
    ] as [Double])
    func readsAsTheFormatterDid(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(date.utcTimestamp == ISO8601DateFormatter().string(from: date))
    }

    @Test func aKnownMoment() {
        // 4 October 2021, 15:40 UTC: the moment the platforms went dark.
        #expect(Date(timeIntervalSince1970: 1_633_362_000).utcTimestamp == "2021-10-04T15:40:00Z")
    }
}
