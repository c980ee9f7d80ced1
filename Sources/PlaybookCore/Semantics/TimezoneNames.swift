import Foundation

/// The names a playbook's `timezone` may take: any name of the tz database, `Europe/Rome` as
/// well as `Japan` or `EST5EDT`.
///
/// Foundation alone cannot decide: `TimeZone(identifier:)` also takes ICU's own spellings that
/// the tz database does not have (`PST`, `IST`, `GMT+2` — the last with the opposite sign of the
/// tz database's `Etc/GMT+2`), and `knownTimeZoneIdentifiers` omits most legacy names. So a name
/// with a slash is accepted when Foundation knows it, and a name without one when it is also
/// among the tz database's names below.
enum TimezoneNames {
    /// Every tz database name without a slash (its `backward` links included), as shipped in
    /// tzdata 2024-2025; `Factory` (a placeholder meaning "not configured") is left out.
    static let withoutSlash: Set<String> = [
        "CET", "CST6CDT", "Cuba", "EET", "EST", "EST5EDT", "Egypt", "Eire", "GB", "GB-Eire", "GMT", "GMT+0", "GMT-0", "GMT0", "Greenwich",
        "HST", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein", "Libya", "MET", "MST", "MST7MDT", "NZ", "NZ-CHAT",
        "Navajo", "PRC", "PST8PDT", "Poland", "Portugal", "ROC", "ROK", "Singapore", "Turkey", "UCT", "UTC", "Universal", "W-SU", "WET", "Zulu",
    ]

    static func isValid(_ name: String) -> Bool {
        guard TimeZone(identifier: name) != nil else { return false }
        return name.contains("/") || withoutSlash.contains(name)
    }

    /// Names to suggest for a misspelt one.
    static var suggestions: [String] { TimeZone.knownTimeZoneIdentifiers + withoutSlash.sorted() }
}
