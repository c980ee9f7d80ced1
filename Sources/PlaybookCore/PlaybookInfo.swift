/// Facts about this build of the tool.
public enum PlaybookInfo {
    public static let version = "0.1.0"
    /// The language version this tool reads (docs/language.md: `version:`).
    public static let languageVersion = 1
}
