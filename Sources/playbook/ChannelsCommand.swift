import ArgumentParser
import Foundation
import PlaybookChannels
import PlaybookCore
import PlaybookEngine

/// `playbook channels`: commands about a playbook's channels.
struct ChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "Commands about a playbook's channels.",
        subcommands: [ChannelsCheckCommand.self]
    )
}

/// `playbook channels check FILE`: one harmless, authenticated call per channel, before the
/// outage rather than during it.
struct ChannelsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check each channel's credentials with a call that sends nothing. Exit 0 when none failed, 1 when any did.",
        discussion: """
            Twilio reads the account, Telegram asks getMe (and getChat for chat_id), Mastodon \
            verify_credentials, Bluesky signs in, X reads /2/users/me, Discord reads its webhook, \
            Meta reads the ad account, Google Ads lists the accessible customers, a file channel \
            checks its directory is writable. Slack and generic webhooks cannot be checked without \
            posting and are reported as not checked.
            """
    )

    @Argument(help: "The playbook file.")
    var file: String

    @Option(name: .customLong("channel"), help: "Check only this channel (repeatable).")
    var only: [String] = []

    func run() async throws {
        let (playbook, _) = try LoadedPlaybook.load(file)
        let unknown = only.filter { playbook.channel($0) == nil }
        if !unknown.isEmpty { throw UsageError("unknown channel\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", "))") }
        let channels = playbook.channels.filter { only.isEmpty || only.contains($0.id.value) }
        let environment = ProcessInfo.processInfo.environment
        let redactor = SecretRedactor(secrets: LiveChannels.secrets(of: playbook, environment: environment))
        let outcomes = try await LiveChannels.with(playbook: playbook, environment: environment) { live in
            await withTaskGroup(of: (Int, LiveChannels.CheckOutcome).self) { group in
                for (index, channel) in channels.enumerated() {
                    let id = channel.id.value
                    group.addTask { (index, await live.check(id)) }
                }
                var outcomes = [LiveChannels.CheckOutcome?](repeating: nil, count: channels.count)
                for await (index, outcome) in group { outcomes[index] = outcome }
                return outcomes.compactMap { $0 }
            }
        }
        var failed = 0
        var unchecked = 0
        let width = channels.map { $0.id.value.count + $0.type.rawValue.count + 3 }.max() ?? 0
        for (channel, outcome) in zip(channels, outcomes) {
            let label = "\(channel.id.value) (\(channel.type.rawValue))".padding(toLength: width, withPad: " ", startingAt: 0)
            switch outcome {
            case .ok(let detail): Output.write("\(label)  OK           \(redactor.redact(detail))\n")
            case .notChecked(let reason):
                unchecked += 1
                Output.write("\(label)  NOT CHECKED  \(redactor.redact(reason))\n")
            case .failed(let reason):
                failed += 1
                Output.write("\(label)  FAILED       \(redactor.redact(reason))\n")
            }
        }
        let ok = channels.count - failed - unchecked
        Output.writeError("\(ok) ok, \(failed) failed, \(unchecked) not checked\n")
        if failed > 0 { throw ExitCode(1) }
    }
}
