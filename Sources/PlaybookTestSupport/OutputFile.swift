import Foundation

/// A file the child writes one of its streams into: no pipe can fill and block it, and the test
/// reads what it wrote so far at any time.
public final class OutputFile: Sendable {
    public let url: URL
    public let handle: FileHandle

    public init(in folder: URL, _ name: String) throws {
        url = folder.appendingPathComponent("\(name)-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    public var text: String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}
