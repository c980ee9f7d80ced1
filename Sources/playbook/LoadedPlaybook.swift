import ArgumentParser
import Foundation
import PlaybookCore

/// Loads one playbook for a command that needs a valid one (plan, run, recover): prints its
/// diagnostics to stderr and exits 1 when it is invalid, 2 when it cannot be read.
enum LoadedPlaybook {
    static func load(_ path: String, diagnostics format: DiagnosticFormat = .text) throws -> (Playbook, [UInt8]) {
        let bytes: [UInt8]
        do {
            bytes = try PlaybookLoader.readFile(path)
        } catch {
            throw UsageError(error.description)
        }
        let result = PlaybookLoader.check(bytes: bytes, path: path)
        let renderer = DiagnosticRenderer(format: format == .json ? .text : format, terminal: Output.stderrIsTerminal, sources: result.source.map { [path: $0] } ?? [:])
        Output.writeError(renderer.render(result.diagnostics))
        guard result.isValid, let playbook = result.playbook else { throw ExitCode(1) }
        return (playbook, bytes)
    }

    /// Parses `--at`: ISO 8601 with a timezone, or a date and time read in the playbook's timezone.
    static func parseDate(_ text: String, timezone: String) throws -> Date {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: text) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) { return date }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm"] {
            local.dateFormat = format
            if let date = local.date(from: text) { return date }
        }
        throw UsageError("--at '\(text)' is not an ISO 8601 time such as 2021-10-04T15:39:00Z")
    }
}
