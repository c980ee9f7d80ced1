/// A page that says one thing: a refusal, a missing incident, a link that no longer decides.
enum MessagePage {
    static func render(title: String, message: String, id: String = "outcome", back: Bool = false) -> String {
        var body = "<h1>\(HTML.escape(title))</h1>\n<p id=\"\(id)\">\(HTML.escape(message))</p>\n"
        if back { body += "<p><a href=\"/\">Back to the console</a></p>\n" }
        return HTML.page(title: title + " · playbook", body: body)
    }
}
