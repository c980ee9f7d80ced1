import Foundation

/// Where the CLI writes: results to stdout, diagnostics and progress to stderr.
enum Output {
    static func error(_ message: String) {
        let clean = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
        writeError("playbook: error: \(clean)\n")
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
}

/// A usage or I/O error: one line on stderr, exit 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
