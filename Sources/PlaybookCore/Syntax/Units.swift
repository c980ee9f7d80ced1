import Foundation

/// Reading the scalars with units of §3: durations, offsets, percentages, times of day, slugs.
enum Units {
    static func duration(_ node: YAMLNode, _ what: String, _ sink: DiagnosticSink, allowPlus: Bool = false) -> Double? {
        guard let text = node.scalarText, !node.isNull else {
            sink.error("\(what) must be a duration such as '30s', '5m' or '1h30m', found \(node.kindDescription)", at: node.location)
            return nil
        }
        var body = text.trimmingCharacters(in: .whitespaces)
        if allowPlus, body.hasPrefix("+") { body.removeFirst() }
        if let seconds = Duration.parseSeconds(body) { return seconds }
        if let number = Double(body) {
            let n = Value.number(number).displayText
            sink.error("\(what) is a bare number '\(text)'; add a unit: '\(n)s', '\(n)m', '\(n)h' or '\(n)d'", at: node.location)
        } else {
            sink.error("\(what) must be a duration such as '30s', '5m' or '1h30m' (units d, h, m, s, largest first), found '\(text)'", at: node.location)
        }
        return nil
    }

    /// A percentage `40%`, as a fraction.
    static func percentage(_ node: YAMLNode, _ what: String, _ sink: DiagnosticSink) -> Double? {
        guard let text = node.scalarText, !node.isNull else {
            sink.error("\(what) must be a percentage such as '40%', found \(node.kindDescription)", at: node.location)
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
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
