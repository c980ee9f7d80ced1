import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

/// `playbook init`'s starter: for every combination of answers, a playbook that validates with
/// no warning but missing data files, whose scenario test passes, and whose secrets are all
/// `${env.X}` listed in `.env.example`.
@Suite struct StarterPlaybookTests {
    static let combinations: [StarterPlaybook] = [
        StarterPlaybook(),
        StarterPlaybook(name: "tiktok-creator", platforms: ["tiktok"], reach: [.email, .telegram], networks: [.x, .bluesky, .discord], timezone: "America/New_York"),
        StarterPlaybook(name: "shop", platforms: ["instagram", "shopify"], reach: [.sms, .email, .webhook], networks: [.mastodon, .telegram, .slack], ads: [.meta, .google], timezone: "Europe/Rome"),
        StarterPlaybook(name: "ads-only", platforms: ["facebook"], reach: [], networks: [], ads: [.meta]),
        StarterPlaybook(name: "posts-only", platforms: ["youtube", "x"], reach: [], networks: [.mastodon, .bluesky], timezone: "Japan"),
        StarterPlaybook(name: "dm", platforms: ["whatsapp"], reach: [.telegram], networks: [.telegram]),
    ]

    @Test(arguments: combinations)
    func theStarterValidatesAndItsScenarioPasses(_ starter: StarterPlaybook) throws {
        #expect(starter.problems.isEmpty)
        let folder = TestScratch.root.appendingPathComponent("starter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in starter.files { try file.text.write(to: folder.appendingPathComponent(file.name), atomically: true, encoding: .utf8) }

        let result = try PlaybookLoader.load(path: folder.appendingPathComponent("\(starter.name).yaml").path)
        let unexpected = result.diagnostics.filter { !($0.severity == .warning && $0.message.contains("not found")) }
        #expect(result.isValid && unexpected.isEmpty, "\(result.diagnostics.map { "\($0.location): \($0.message)" })")

        let scenario = ScenarioRunner.run(path: folder.appendingPathComponent("\(starter.name).test.yaml").path)
        #expect(scenario.passed, "\(scenario.errors) \(scenario.failures)\n\(starter.scenario)")
    }

    @Test(arguments: combinations)
    func everySecretIsAnEnvironmentReferenceListedInTheExample(_ starter: StarterPlaybook) throws {
        let playbook = try #require(PlaybookLoader.check(bytes: Array(starter.playbook.utf8), path: "/tmp/\(starter.name).yaml").playbook)
        let referenced = Set(playbook.channels.flatMap { $0.configValues.flatMap(\.environmentNames) })
        let listed = Set(starter.environmentExample.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.dropLast()) })
        #expect(referenced == listed)
        for channel in playbook.channels {
            for field in RunEnvironment.credentialFields {
                if let value = channel[field] { #expect(value.isSecret, "\(channel.id.value).\(field) is written in the file") }
            }
        }
    }

    @Test func unknownAnswersAreNamedWithASuggestion() {
        let starter = StarterPlaybook(name: "Bad Name", platforms: ["instagarm"], reach: [], networks: [], ads: [])
        #expect(starter.problems.count == 3)
        #expect(starter.problems[1].contains("did you mean 'instagram'?"))
    }
}
