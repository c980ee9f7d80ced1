/// `{"error": reason}` for refusals written by the listener itself.
enum JSONValueText {
    static func error(_ reason: String) -> String {
        "{\"error\":\"" + reason.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"}\n"
    }
}
