import Foundation

/// The first stages of the pipeline: read bytes -> YAML tree -> typed model -> checks.
///
/// `validate`, `plan`, `run` and `watch` all start here, so that they agree on what is valid.
public enum PlaybookLoader {
    /// The result of loading one file: the model when it could be read, and every diagnostic.
    public struct Result: Sendable {
        public var playbook: Playbook?
        public var diagnostics: [Diagnostic]
        public var source: SourceFile?

        public var isValid: Bool { playbook != nil && !diagnostics.contains { $0.severity == .error } }
    }

    /// A file that could not be read at all: a usage or I/O error (exit 2), not an invalid playbook.
    public struct FileError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Loads and checks a playbook file.
    public static func load(path: String, options: CheckOptions = CheckOptions()) throws(FileError) -> Result {
        let bytes = try readFile(path)
        return check(bytes: bytes, path: path, options: options)
    }

    /// Reads a file's bytes, refusing directories and unreadable paths with a one-line reason.
    public static func readFile(_ path: String) throws(FileError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw FileError(path: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileError(path: path, reason: "cannot be read (permission denied?)") }
        defer { try? handle.close() }
        do {
            // One byte past the limit is enough to know the file is too large.
            let data = try handle.read(upToCount: YAMLDocumentLoader.maximumBytes + 1) ?? Data()
            return [UInt8](data)
        } catch {
            throw FileError(path: path, reason: "cannot be read: \(error.localizedDescription)")
        }
    }

    /// Checks the bytes of a playbook whose path is `path` (used for messages and relative data files).
    public static func check(bytes: [UInt8], path: String, options: CheckOptions = CheckOptions()) -> Result {
        let (outcome, warnings) = YAMLDocumentLoader().loadWithWarnings(bytes: bytes, path: path)
        switch outcome {
        case .failure(let diagnostic, let source):
            return Result(playbook: nil, diagnostics: [diagnostic], source: source)
        case .document(let root, let source):
            let sink = DiagnosticSink()
            for warning in warnings { sink.report(warning) }
            let directory = (path as NSString).deletingLastPathComponent
            let playbook = PlaybookReader(sink: sink, file: path, directory: directory.isEmpty ? "." : directory).read(root)
            PlaybookChecker(playbook: playbook, sink: sink, options: options).run()
            return Result(playbook: playbook, diagnostics: sink.sorted, source: source)
        }
    }
}
