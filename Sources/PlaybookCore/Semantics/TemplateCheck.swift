/// Checks one Mustache template on its own, as `validate` does for every template field: that it
/// parses, and that every name it reads exists in `scope`. For tools and fuzzing; the checker
/// itself reports into the playbook's diagnostics.
public enum TemplateCheck {
    /// The diagnostics of `text`, positioned as if it were written at line 1, column 1 of `file`.
    public static func diagnostics(of text: String, scope: NameScope, file: String = "template") -> [Diagnostic] {
        let sink = DiagnosticSink()
        let located = Located(text, at: SourceLocation(file: file, line: 1, column: 1), textColumnShift: 0)
        TemplateChecker(scope: scope, sink: sink).check(located, node: nil, "the template")
        return sink.sorted
    }
}
