import Foundation

/// An ISO 8601 date-time as written in a calendar (`2021-10-04T18:00:00Z`,
/// `2021-10-04 20:00+02:00`, `2021-10-04T18:00`), with how it was written, so that a moved
/// post's new time is written the same way.
///
/// A time without an offset is a wall-clock time in the playbook's timezone, and stays one.
struct CalendarTime: Sendable, Equatable {
    var date: Date
    var style: Style

    struct Style: Sendable, Equatable {
        var separator: Character = "T"
        var seconds = true
        var fractionDigits = 0
        var zone: Zone = .utc("Z")

        enum Zone: Sendable, Equatable {
            /// `Z` or `z`.
            case utc(Character)
            /// `+02:00`, `+0200` or `+02`; `-00:00` counts as an offset of 0.
            case offset(seconds: Int, colon: Bool, minutes: Bool)
            /// No offset: local time in the playbook's timezone.
            case local
        }
    }

    /// Reads `YYYY-MM-DD(T| )HH:MM[:SS[.fff]][Z|±HH[:MM]]`; nil when the text is not that.
    static func parse(_ text: String, localTimeZone: TimeZone) -> CalendarTime? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= s.count, s[i..<(i + count)].allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            defer { i += count }
            return s[i..<(i + count)].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        func take(_ character: Character) -> Bool {
            guard i < s.count, s[i] == character.asciiValue else { return false }
            i += 1
            return true
        }
        var style = Style()
        guard let year = digits(4), take("-"), let month = digits(2), take("-"), let day = digits(2), i < s.count else { return nil }
        switch s[i] {
        case UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " "): style.separator = Character(UnicodeScalar(s[i]))
        default: return nil
        }
        i += 1
        guard let hour = digits(2), take(":"), let minute = digits(2) else { return nil }
        var second = 0
        var fraction = 0.0
        style.seconds = false
        if take(":") {
            guard let value = digits(2) else { return nil }
            second = value
            style.seconds = true
            if i < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",") {
                i += 1
                let start = i
                while i < s.count, (0x30...0x39).contains(s[i]) { i += 1 }
                guard i > start else { return nil }
                style.fractionDigits = i - start
                fraction = Double("0." + String(decoding: s[start..<i], as: UTF8.self)) ?? 0
            }
        }
        var offset: Int?
        if i == s.count {
            style.zone = .local
        } else if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
            style.zone = .utc(Character(UnicodeScalar(s[i])))
            offset = 0
            i += 1
        } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            let sign = s[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let hours = digits(2), hours <= 23 else { return nil }
            var minutes = 0
            let colon = take(":")
            var hasMinutes = colon
            if colon {
                guard let value = digits(2) else { return nil }
                minutes = value
            } else if let value = digits(2) {
                minutes = value
                hasMinutes = true
            }
            guard minutes <= 59 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
            style.zone = .offset(seconds: offset!, colon: colon, minutes: hasMinutes)
        }
        guard i == s.count, (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = offset.flatMap { TimeZone(secondsFromGMT: $0) } ?? localTimeZone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        return CalendarTime(date: date.addingTimeInterval(fraction), style: style)
    }

    /// `date` written in `style`: same separator, offset notation and precision; seconds are
    /// added when the time has them and the style did not.
    static func format(_ date: Date, style: Style, localTimeZone: TimeZone) -> String {
        let offset: Int
        switch style.zone {
        case .utc: offset = 0
        case .offset(let seconds, _, _): offset = seconds
        case .local: offset = localTimeZone.secondsFromGMT(for: date)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset) ?? TimeZone(identifier: "UTC")!
        let whole = date.timeIntervalSince1970.rounded(.down)
        let fraction = date.timeIntervalSince1970 - whole
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        func pad(_ n: Int?, _ width: Int) -> String { String(format: "%0\(width)d", n ?? 0) }
        var out = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))\(style.separator)\(pad(c.hour, 2)):\(pad(c.minute, 2))"
        let digits = style.fractionDigits > 0 ? style.fractionDigits : (fraction > 0.0005 ? 3 : 0)
        if style.seconds || (c.second ?? 0) != 0 || digits > 0 {
            out += ":\(pad(c.second, 2))"
            if digits > 0 {
                // A time has no more than nanoseconds to show (a Double holds fewer): digits the
                // file spelt beyond nine are zeros, and 10^digits never overflows an Int.
                let shown = min(digits, 9)
                let scaled = Int((fraction * pow(10, Double(shown))).rounded())
                out += "." + pad(min(scaled, Int(pow(10, Double(shown))) - 1), shown) + String(repeating: "0", count: digits - shown)
            }
        }
        switch style.zone {
        case .utc(let letter): out.append(letter)
        case .offset(_, let colon, let minutes):
            let sign = offset < 0 ? "-" : "+"
            let hours = abs(offset) / 3600
            let mins = abs(offset) % 3600 / 60
            out += sign + pad(hours, 2) + (minutes || mins != 0 ? (colon ? ":" : "") + pad(mins, 2) : "")
        case .local: break
        }
        return out
    }
}
