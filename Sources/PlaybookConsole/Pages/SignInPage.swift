/// The sign-in form `/` shows without a session: the console token, nothing else.
enum SignInPage {
    static func render(problem: String? = nil) -> String {
        var body = "<h1>playbook console</h1>\n"
        if let problem { body += "<p class=\"error\" role=\"alert\">\(HTML.escape(problem))</p>\n" }
        body += """
            <form method="post" action="/signin">
            <label for="token">Console token</label><br>
            <input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
            <br><button type="submit">Sign in</button>
            </form>
            <p class="muted">The token is the value of PLAYBOOK_CONSOLE_TOKEN where playbook runs.</p>
            """
        return HTML.page(title: "Sign in · playbook", body: body)
    }
}
