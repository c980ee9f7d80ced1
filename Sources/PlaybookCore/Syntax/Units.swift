import Foundation

/// Reading the scalars with units of the file format (docs/language.md): durations, offsets, percentages, times of day, slugs.
enum Units {
    static func duration(_ node: YAMLNode, _ what: String, _ sink: DiagnosticSink, allowPlus: Bool = false) -> Double? {
        guard let text = node.scalarText, !node.isNull else {
            sink.error("\(what) must be a duration such as '30s', '5m' or '1h30m', found \(node.kindDescription)", at: node.location)
            return nil
        }
        var body = text.trimmingBlanks()
        if allowPlus, body.hasPrefix("+") { body.removeFirst() }
        if let seconds = Duration.parseSeconds(body) { return withinBound(seconds, node, what, text, sink) }
        if body.hasPrefix("-"), Duration.parseSeconds(String(body.dropFirst())) != nil {
            sink.error("\(what) cannot be negative, found '\(text)'", at: node.location)
            return nil
        }
        if let number = Double(body) {
            let n = Value.number(number).displayText
            sink.error("\(what) is a bare number '\(text)'; add a unit: '\(n)s', '\(n)m', '\(n)h' or '\(n)d'", at: node.location)
        } else if let meant = Self.durationMeant(body) {
            sink.error("\(what) must be a duration such as '30s', '5m' or '1h30m', found '\(text)'; did you mean '\(meant)'?", at: node.location)
        } else {
            sink.error("\(what) must be a duration such as '30s', '5m' or '1h30m' (units d, h, m, s, largest first), found '\(text)'", at: node.location)
        }
        return nil
    }

    /// `seconds`, or nil with an error when it is longer than `Duration.maximumSeconds`: every
    /// duration of a playbook becomes a sleep, a deadline or a timer, and none of those is meant
    /// to be years away (past about 292 years one would not even convert to nanoseconds).
    static func withinBound(_ seconds: Double, _ node: YAMLNode, _ what: String, _ text: String, _ sink: DiagnosticSink) -> Double? {
        guard seconds > Duration.maximumSeconds else { return seconds }
        sink.error("\(what) is '\(text.trimmingBlanks())', longer than the longest a playbook may give, \(Duration.maximumText)", at: node.location)
        return nil
    }

    /// Unit words people write for the one-letter units.
    static let unitWords: [String: Character] = [
        "d": "d", "day": "d", "days": "d", "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
        "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m", "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    ]

    /// The duration a malformed one most likely means: `5min` -> `5m`, `1m1h` -> `1h1m`, `2 hours` -> `2h`.
    static func durationMeant(_ text: String) -> String? {
        var seconds = 0.0
        var rest = Substring(text.lowercased())
        var parts = 0
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let amount = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count).drop { $0 == " " }
            let word = rest.prefix { $0.isLetter }
            guard let unit = unitWords[String(word)], let size = Duration.units.first(where: { $0.0 == unit })?.1 else { return nil }
            rest = rest.dropFirst(word.count)
            seconds += amount * size
            parts += 1
        }
        guard parts > 0, seconds.rounded() == seconds else { return nil }
        return Duration.format(seconds: seconds)
    }

    /// A percentage `40%`, as a fraction.
    static func percentage(_ node: YAMLNode, _ what: String, _ sink: DiagnosticSink) -> Double? {
        guard let text = node.scalarText, !node.isNull else {
            sink.error("\(what) must be a percentage such as '40%', found \(node.kindDescription)", at: node.location)
            return nil
        }
        let trimmed = text.trimmingBlanks()
        guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast()) else {
            if let n = Double(trimmed) {
                sink.error("\(what) must be a percentage; write '\(Value.number(n <= 1 && n > 0 ? n * 100 : n).displayText)%'", at: node.location)
            } else {
                sink.error("\(what) must be a percentage such as '40%', found '\(text)'", at: node.location)
            }
            return nil
        }
        guard (0...100).contains(value) else {
            sink.error("\(what) must be between 0% and 100%, found '\(text)'", at: node.location)
            return nil
        }
        return value / 100
    }

    static func window(_ node: YAMLNode, _ what: String, _ sink: DiagnosticSink) -> TimeWindow? {
        if let text = node.scalarText, !node.isNull, TimeWindow.parse(text) == nil {
            let ends = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let shaped = ends.count == 2 && ends.allSatisfy { $0.count == 5 && $0.dropFirst(2).first == ":" && $0.filter(\.isNumber).count == 4 }
            if shaped, let bad = ends.first(where: { TimeWindow.parseTimeOfDay($0) == nil }) {
                sink.error("\(what): '\(bad)' is not a time of day; use 00:00 to 23:59", at: node.location)
                return nil
            }
            if shaped, ends[0] == ends[1] {
                sink.error("\(what) starts and ends at \(ends[0]), so it is empty; write a window such as '21:00-08:00'", at: node.location)
                return nil
            }
        }
        guard let text = node.scalarText, let window = TimeWindow.parse(text) else {
            sink.error("\(what) must be a time window 'HH:MM-HH:MM' such as '21:00-08:00', found \(node.kindDescription)", at: node.location)
            return nil
        }
        return window
    }

    static let slugPattern = "[a-z0-9][a-z0-9-]{0,62}"

    static func isSlug(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard (1...63).contains(scalars.count) else { return false }
        func ok(_ c: Unicode.Scalar, first: Bool) -> Bool {
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || (!first && c == "-")
        }
        return ok(scalars[0], first: true) && scalars.dropFirst().allSatisfy { ok($0, first: false) }
    }

    /// Reports an id that is not a slug; returns whether it is one.
    @discardableResult
    static func checkSlug(_ id: Located<String>, _ what: String, _ sink: DiagnosticSink) -> Bool {
        guard isSlug(id.value) else {
            let suggestion = id.value.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
            let hint = isSlug(suggestion) ? "; e.g. '\(suggestion)'" : ""
            sink.error("\(what) '\(id.value)' is not a valid id: use lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters\(hint)", at: id.location)
            return false
        }
        return true
    }

    /// A configuration string: checks its `${env.NAME}` references are well formed.
    static func config(_ text: Located<String>, node: YAMLNode, _ sink: DiagnosticSink) -> ConfigValue? {
        switch ConfigValue.scan(text.value) {
        case .success(let names):
            return ConfigValue(raw: text.value, location: text.location, environmentNames: names)
        case .failure(let error):
            sink.error(error.message, at: node.location(ofTextOffset: error.offset))
            return nil
        }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}
