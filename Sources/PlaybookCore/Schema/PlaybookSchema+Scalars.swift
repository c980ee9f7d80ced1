/// The scalars of the file format (docs/language.md) (ids, durations, offsets, percentages, time windows, rates) and the kinds of
/// text values (plain, `${env.NAME}`-bearing, URLs, expressions), as `$defs`.
///
/// Patterns are written for both ECMAScript (with the `u` flag, as editors compile them) and
/// Python's `re`: no `\d`, no needless escapes, and anchored at both ends.
extension PlaybookSchema {
    /// A number as the reader accepts it before a unit: `5`, `1.5`, `.5`.
    private static let amount = #"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"#
    private static var durationBody: String { "(?:\(amount)d)?(?:\(amount)h)?(?:\(amount)m)?(?:\(amount)s)?" }
    private static let environmentReference = #"\$\{env\.[A-Za-z_][A-Za-z0-9_]*\}"#
    /// Text in which every `${` opens a well-formed `${env.NAME}`.
    private static var environmentSafeText: String { #"(?:[^$]|\$(?!\{)|"# + environmentReference + ")*" }

    static let durationPattern = #"^[ \t]*(?=[0-9.])"# + durationBody + #"[ \t]*$"#
    /// A duration longer than zero: some digit from 1 to 9 appears.
    static let positiveDurationPattern = #"^[ \t]*(?=[0-9.])(?=[^1-9]*[1-9])"# + durationBody + #"[ \t]*$"#
    static let offsetPattern = #"^[ \t]*\+?(?=[0-9.])"# + durationBody + #"[ \t]*$"#
    static let percentagePattern = #"^[ \t]*(?:0*(?:100(?:\.0*)?|[0-9]{1,2}(?:\.[0-9]*)?)|\.[0-9]+)%[ \t]*$"#
    static let timeWindowPattern = #"^[ \t]*(?:[01][0-9]|2[0-3]):[0-5][0-9][ \t]*-[ \t]*(?:[01][0-9]|2[0-3]):[0-5][0-9][ \t]*$"#
    static let ratePattern = #"^[ \t]*\+?0*[1-9][0-9]*[ \t]*/[ \t]*[sm][ \t]*$"#
    static var slugPattern: String { "^\(Units.slugPattern)$" }
    static var environmentSafePattern: String { "^\(environmentSafeText)$" }
    /// An http(s) URL with a host, or text naming `${env.NAME}` (checked when the value is known).
    static var urlPattern: String { #"^(?=[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]|.*"# + environmentReference + ")" + environmentSafeText + "$" }
    static let localePattern = #"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$"#

    static func pattern(_ description: String, _ pattern: String, message: String, examples: [String]) -> JSONValue {
        .object([
            ("description", .string(description)),
            ("type", .string("string")),
            ("pattern", .string(pattern)),
            ("patternErrorMessage", .string(message)),
            ("examples", strings(examples)),
        ])
    }

    static var scalarDefinitions: Members {
        let durationHelp = "a duration such as 30s, 5m, 2h, 1d or 1h30m (units d, h, m, s, largest first), at most 366d; a bare number is an error"
        return [
            (
                "slug",
                .object([
                    ("description", .string("An id: lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters.")),
                    ("type", types("string", "integer")),
                    ("pattern", .string(slugPattern)),
                    ("minimum", .number(0)),
                    ("patternErrorMessage", .string("use lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters")),
                ])
            ),
            ("duration", pattern("A duration: \(durationHelp).", durationPattern, message: "write \(durationHelp)", examples: ["30s", "5m", "1h30m"])),
            (
                "positive-duration",
                pattern(
                    "A duration longer than 0s: \(durationHelp).", positiveDurationPattern, message: "write a duration longer than 0s: \(durationHelp)",
                    examples: ["30s", "10m", "24h"])
            ),
            (
                "offset",
                pattern(
                    "An offset from the incident's start: a duration, optionally with a leading '+'.", offsetPattern,
                    message: "write an offset such as 10m or +1h30m", examples: ["10m", "+1h"])
            ),
            (
                "percentage",
                pattern("A percentage from 0% to 100%.", percentagePattern, message: "write a percentage from 0% to 100%, such as 40%", examples: ["40%"])
            ),
            (
                "time-window",
                pattern(
                    "A time-of-day window HH:MM-HH:MM; it may wrap midnight.", timeWindowPattern, message: "write a window HH:MM-HH:MM such as 21:00-08:00",
                    examples: ["21:00-08:00"])
            ),
            (
                "rate",
                pattern(
                    "At most N calls in any sliding second (N/s) or minute (N/m), paced evenly.", ratePattern,
                    message: "write N/s or N/m with N a positive whole number", examples: ["10/s", "600/m"])
            ),
            (
                "text",
                .object([
                    ("description", .string("Text (a number is read as written).")),
                    ("type", types("string", "number")),
                ])
            ),
            (
                "config-text",
                .object([
                    ("description", .string("Text that may name environment variables as ${env.NAME}; such values are secrets and never printed.")),
                    ("type", types("string", "number")),
                    ("pattern", .string(environmentSafePattern)),
                    ("patternErrorMessage", .string("every '${' must open a well-formed ${env.NAME}, NAME of letters, digits and '_'")),
                ])
            ),
            (
                "url",
                .object([
                    ("description", .string("An http(s) URL, or text naming ${env.NAME}.")),
                    ("type", .string("string")),
                    ("pattern", .string(urlPattern)),
                    ("patternErrorMessage", .string("write an http(s) URL, or ${env.NAME}")),
                ])
            ),
            (
                "expression",
                .object([
                    (
                        "description",
                        .string(
                            "An expression (docs/language.md, Expressions), type-checked by `playbook validate`: literals, or/and/not, == != < <= > >=, in, contains; names trigger.*, incident.*, now.*, vars.*, steps.ID.status."
                        )
                    ),
                    ("type", types("string", "boolean")),
                    ("minLength", .number(1)),
                    ("examples", strings(["incident.active", "now.hour >= 9 and now.hour < 18", "steps.pause-ads.status == 'succeeded'"])),
                ])
            ),
        ]
    }
}
