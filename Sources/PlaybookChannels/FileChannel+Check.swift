import Foundation
import PlaybookEngine

extension FileChannel: ChannelCheck {
    /// The outbox's directory exists (or can be made) and takes a new file.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        try? PrivateFiles.createDirectory(directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .permanent("file channel '\(name)': \(directory) is not a directory and cannot be made")
        }
        if FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.isWritableFile(atPath: path) else { throw .permanent("file channel '\(name)': \(path) is not writable") }
        } else {
            guard FileManager.default.isWritableFile(atPath: directory) else { throw .permanent("file channel '\(name)': cannot create files in \(directory)") }
        }
        return .ok("appends to \(path)")
    }
}
