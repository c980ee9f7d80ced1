extension ContactsSummary {
    /// The summary for a person checking an export before an outage.
    public var text: String {
        var out = "\(file)\(layout.isNative ? "" : " (\(layout.columns != nil ? "columns mapping" : "\(layout.format.rawValue) export"))"): \(rows) row\(rows == 1 ? "" : "s")\n"
        let width = Self.kinds.map(\.name.count).max() ?? 0
        for kind in Self.kinds {
            guard let reach = reach[kind.name] else { continue }
            let padding = String(repeating: " ", count: width - kind.name.count)
            var line = "  \(kind.name)\(padding)  \(reach.reachable) reachable"
            if kind.name == "email", reach.distinct != reach.reachable { line += " (\(reach.distinct) distinct addresses)" }
            out += line + "\n"
            for (reason, entry) in reach.obstacles.sorted(by: { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }) {
                let lines = entry.lines.prefix(10).map(String.init).joined(separator: ", ") + (entry.count > 10 ? ", …" : "")
                out += "    \(entry.count) not reached: \(reason) (line\(entry.lines.count == 1 ? "" : "s") \(lines))\n"
            }
        }
        if !segments.isEmpty {
            out += "segments:\n"
            let width = segments.map(\.id.count).max() ?? 0
            for segment in segments {
                let padding = String(repeating: " ", count: width - segment.id.count)
                guard let contacts = segment.contacts else {
                    out += "  \(segment.id)\(padding)  depends on the incident (trigger.*, now.*): counted by plan\n"
                    continue
                }
                let reach = Self.kinds.map { "\($0.name) \(segment.reach[$0.name] ?? 0)" }.joined(separator: ", ")
                out += "  \(segment.id)\(padding)  \(contacts) contact\(contacts == 1 ? "" : "s") (\(reach))\n"
            }
        }
        if !issues.isEmpty { out += "problems: \(issues.summary)\n" }
        return out
    }

    /// `--format json`.
    public var json: JSONValue {
        func reachJSON(_ reach: Reach) -> JSONValue {
            .object([
                ("reachable", .number(Double(reach.reachable))), ("distinct", .number(Double(reach.distinct))),
                (
                    "not_reachable",
                    .object(
                        reach.obstacles.sorted { $0.key < $1.key }.map {
                            ($0.key, .object([("count", .number(Double($0.value.count))), ("lines", .array($0.value.lines.map { .number(Double($0) )}))]))
                        })
                ),
            ])
        }
        return .object([
            ("file", .string(file)), ("format", .string(layout.columns != nil ? "columns" : layout.format.rawValue)), ("rows", .number(Double(rows))),
            ("channels", .object(Self.kinds.compactMap { kind in reach[kind.name].map { (kind.name, reachJSON($0)) } })),
            (
                "segments",
                .object(
                    segments.map { segment in
                        (
                            segment.id,
                            .object(
                                [("contacts", segment.contacts.map { .number(Double($0)) } ?? .null)]
                                    + Self.kinds.map { ($0.name, segment.contacts == nil ? .null : .number(Double(segment.reach[$0.name] ?? 0))) })
                        )
                    })
            ),
            ("errors", .number(Double(issues.errorCount))), ("warnings", .number(Double(issues.warningCount))),
        ])
    }
}
