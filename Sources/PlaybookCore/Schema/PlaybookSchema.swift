/// The JSON Schema of the language (draft 2020-12), for YAML language servers in editors.
public enum PlaybookSchema {
    public static let json: String = "{}"
}
