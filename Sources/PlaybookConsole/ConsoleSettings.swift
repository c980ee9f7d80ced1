import Foundation

/// How the console is set up: whether it is on (`PLAYBOOK_CONSOLE_TOKEN`), and the public base
/// URL of links (`PLAYBOOK_CONSOLE_URL` or `--console-url`, else `http://` + the listen address).
public struct ConsoleSettings: Sendable {
    /// The sign-in token; nil: the console is off (approval links still work).
    public var token: String?
    /// The base of every link the process hands out, without a trailing slash.
    public var baseURL: String

    public init(token: String?, baseURL: String) {
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// From the environment and the flag, for a listener bound at `address` (`HOST:PORT`).
    public static func from(environment: [String: String], consoleURL: String?, address: String) -> ConsoleSettings {
        let url = consoleURL ?? environment["PLAYBOOK_CONSOLE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://" + address
        return ConsoleSettings(token: environment["PLAYBOOK_CONSOLE_TOKEN"], baseURL: url)
    }

    public var isOn: Bool { token != nil }
    /// The session cookie is `Secure` when the console is reached over https.
    public var secureCookie: Bool { baseURL.lowercased().hasPrefix("https://") }

    /// What a console path answers while the console is off.
    public static let offNotice = "the console is off: set PLAYBOOK_CONSOLE_TOKEN to turn it on (docs/console.md)"

    /// `PLAYBOOK_CONSOLE_URL` must be an http(s) URL: links made from anything else do not open.
    public static func problem(withURL url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: url)?.host != nil else {
            return "the console URL '\(url)' is not an http:// or https:// URL (PLAYBOOK_CONSOLE_URL or --console-url)"
        }
        return nil
    }
}
