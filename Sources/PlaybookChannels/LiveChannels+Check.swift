import PlaybookCore
import PlaybookEngine

extension LiveChannels {
    /// What `playbook channels check` reports for one channel.
    public enum CheckOutcome: Sendable, Equatable {
        case ok(String)
        case notChecked(String)
        case failed(String)
    }

    /// Builds the channel's adapter (resolving its `${env.X}`) and makes its harmless
    /// authenticated call. Never throws: every problem is the channel's outcome.
    public func check(_ id: String) async -> CheckOutcome {
        let adapter: any Sendable
        do {
            adapter = try self.adapter(id)
        } catch {
            return .failed(error.message)
        }
        guard let checkable = adapter as? any ChannelCheck else {
            let type = playbook.channel(id).map(\.type).map { "\($0.rawValue) channels" } ?? "this channel"
            return .notChecked("this build cannot check \(type)")
        }
        do {
            switch try await checkable.check() {
            case .ok(let detail): return .ok(detail)
            case .notChecked(let reason): return .notChecked(reason)
            }
        } catch {
            return .failed(error.message)
        }
    }
}
