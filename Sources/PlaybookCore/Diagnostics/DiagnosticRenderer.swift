/// The output formats of the command line (README.md) for diagnostics.
public enum DiagnosticFormat: String, Sendable, CaseIterable {
    case text
    case github
    case json
}

/// Renders diagnostics for people (text, with source line and caret), for GitHub Actions
/// annotations, or as a JSON array for machines.
public struct DiagnosticRenderer: Sendable {
    public var format: DiagnosticFormat
    /// ANSI colour and the source excerpt: only when writing to a terminal.
    public var terminal: Bool
    public var sources: [String: SourceFile]

    public init(format: DiagnosticFormat, terminal: Bool = false, sources: [String: SourceFile] = [:]) {
        self.format = format
        self.terminal = terminal
        self.sources = sources
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        switch format {
        case .text: return diagnostics.map(text).joined()
        case .github: return diagnostics.map(github).joined()
        case .json: return json(diagnostics)
        }
    }

    private func text(_ d: Diagnostic) -> String {
        let label = d.severity.rawValue
        let coloured = terminal ? (d.severity == .error ? "\u{1B}[1;31m\(label)\u{1B}[0m" : "\u{1B}[1;35m\(label)\u{1B}[0m") : label
        var out = "\(d.location): \(coloured): \(d.message)\n"
        if terminal, let line = sources[d.location.file]?.line(d.location.line) {
            let prefix = String(line.unicodeScalars.prefix(max(0, d.location.column - 1)).map { $0 == "\t" ? "\t" : " " })
            out += "\(line)\n\(prefix)\(terminal ? "\u{1B}[1;32m^\u{1B}[0m" : "^")\n"
        }
        return out
    }

    /// `::error file=F,line=L,col=C::MESSAGE`, with the workflow-command escapes GitHub documents.
    private func github(_ d: Diagnostic) -> String {
        func escapeData(_ s: String) -> String {
            s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
                .replacingOccurrences(of: "\n", with: "%0A")
        }
        func escapeProperty(_ s: String) -> String {
            escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
        }
        return "::\(d.severity.rawValue) file=\(escapeProperty(d.location.file)),line=\(d.location.line),col=\(d.location.column)::\(escapeData(d.message))\n"
    }

    private func json(_ diagnostics: [Diagnostic]) -> String {
        let items = diagnostics.map { d in
            JSONValue.object([
                ("file", .string(d.location.file)),
                ("line", .number(Double(d.location.line))),
                ("column", .number(Double(d.location.column))),
                ("severity", .string(d.severity.rawValue)),
                ("message", .string(d.message)),
            ])
        }
        return JSONValue.array(items).serialized(pretty: true) + "\n"
    }
}
