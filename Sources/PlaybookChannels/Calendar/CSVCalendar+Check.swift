import Foundation
import PlaybookEngine

extension CSVCalendar: ChannelCheck {
    /// Reads the calendar as `reschedule_posts` would (a malformed file fails) and checks that
    /// its directory takes the temporary file of a rewrite.
    public func check() async throws(ChannelFailure) -> ChannelCheckResult {
        let posts = try scheduledPosts(try read(), strict: true)
        let directory = (URL(fileURLWithPath: path).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
        guard FileManager.default.isWritableFile(atPath: path), FileManager.default.isWritableFile(atPath: directory) else {
            throw .permanent("calendar channel '\(name)': \(path): the file or its directory is not writable")
        }
        let networks = Dictionary(grouping: posts, by: \.network).map { "\($0.key) \($0.value.count)" }.sorted()
        return .ok(
            "\(posts.count) scheduled post\(posts.count == 1 ? "" : "s") in \(path)" + (networks.isEmpty ? "" : " (\(networks.joined(separator: ", ")))"))
    }
}
