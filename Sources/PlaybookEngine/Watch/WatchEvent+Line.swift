extension WatchEvent {
    /// How `watch` writes its events: one line each.
    public enum LineStyle: Sendable {
        /// Time, playbook and message; warnings in yellow.
        case terminal
        /// Time, playbook and message, without colour (a log file, a pipe).
        case plain
        /// One JSON object (`json`): what a log collector reads.
        case json
    }

    /// The event as one line, without its newline. Redact the event first: a JSON line is
    /// never redacted once serialised (an escaped secret would no longer match).
    public func line(_ style: LineStyle) -> String {
        switch style {
        case .json:
            return json.serialized()
        case .plain, .terminal:
            let text = "\(Self.iso(time)) \(playbook.map { "\($0): " } ?? "")\(message)"
            return style == .terminal && isWarning ? "\u{1B}[33m\(text)\u{1B}[0m" : text
        }
    }
}
