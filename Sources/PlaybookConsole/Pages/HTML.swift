import Foundation

/// Small pieces every console page is made of: escaping, the page frame with its inline style,
/// and the security headers that go with it.
///
/// Pages load nothing from outside the process (no CDN, no fonts, no images): the style is in
/// the page, and the one script — the live update of an incident — is inline under a per-page
/// nonce that the Content-Security-Policy names. Everything reads without JavaScript.
enum HTML {
    /// Text for an element or an attribute value.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A whole page: `title`, `body`, and optionally an inline script run under `nonce`.
    static func page(title: String, body: String, script: String? = nil, nonce: String? = nil, refreshWithoutScript: Int? = nil) -> String {
        var head = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(escape(title))</title>
            <style>\(style)</style>

            """
        if let seconds = refreshWithoutScript { head += "<noscript><meta http-equiv=\"refresh\" content=\"\(seconds)\"></noscript>\n" }
        var out = head + "</head>\n<body>\n" + body
        if let script, let nonce { out += "\n<script nonce=\"\(nonce)\">\(script)</script>" }
        return out + "\n</body>\n</html>\n"
    }

    /// The headers every console answer carries: no caching, no framing, no referrer (an approval
    /// link's token is in its URL), and a policy that allows only the page's own style and script.
    static func securityHeaders(nonce: String?) -> [(String, String)] {
        let script = nonce.map { "'nonce-\($0)'" } ?? "'none'"
        return [
            ("Content-Security-Policy",
             "default-src 'none'; style-src 'unsafe-inline'; script-src \(script); connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
            ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
        ]
    }

    /// A hidden CSRF field for a form.
    static func csrfField(_ token: String) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(escape(token))\">"
    }

    /// Mobile first: one column that fits a 360-pixel screen, wider tables scroll inside their box.
    static let style = """
        :root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.4}
        body{margin:0;padding:12px;max-width:1100px;margin-inline:auto;color:#1a202c;background:#fff}
        h1{font-size:1.3rem;margin:.2rem 0 .6rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
        a{color:#2b6cb0}nav{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin-bottom:8px;font-size:.9rem}
        .scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
        table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}
        .status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;background:#edf2f7;white-space:nowrap}
        .succeeded{background:#c6f6d5}.failed,.denied{background:#fed7d7}.running,.recovering{background:#bee3f8}
        .waiting,.pending{background:#fefcbf}.skipped,.cancelled,.finished{background:#e2e8f0}.active{background:#feebc8}
        form.inline{display:inline}button{font:inherit;padding:10px 18px;border-radius:8px;border:1px solid #2d3748;background:#2d3748;color:#fff;min-height:44px;cursor:pointer}
        button.deny,button.secondary{background:#fff;color:#2d3748}button.approve{background:#2f855a;border-color:#2f855a}
        .decision{border:1px solid #e2e8f0;border-radius:10px;padding:12px;margin:10px 0;background:#fffff0}
        .decision .buttons{display:flex;gap:10px;flex-wrap:wrap;margin-top:8px}
        .request{white-space:pre-wrap;background:#f7fafc;border-left:3px solid #a0aec0;padding:8px;margin:8px 0}
        .error{color:#c53030}.muted{color:#718096;font-size:.85rem}
        input[type=password],select{font:inherit;padding:10px;width:100%;max-width:320px;box-sizing:border-box;margin:6px 0}
        svg{max-width:none;height:auto}
        """

    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
