import ArgumentParser
import Foundation
import PlaybookCore

/// `playbook init`: writes a starter playbook, its scenario test and `.env.example`, from flags
/// or, on a terminal, from a few questions. The text comes from `StarterPlaybook`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter playbook, a scenario test beside it and a .env.example, from flags or a few questions.",
        discussion: """
            On a terminal it asks about whatever the flags leave open; otherwise it uses the \
            defaults. Lists are comma-separated; 'none' means none. It never overwrites a file \
            unless --force is given.
            """
    )

    @Option(help: "The playbook's name (a slug); the files are NAME.yaml and NAME.test.yaml.")
    var name: String?

    @Option(help: ArgumentHelp("Platforms you depend on, from the catalog: \(PlatformCatalog.ids.joined(separator: ", ")).", valueName: "LIST"))
    var platforms: String?

    @Option(help: ArgumentHelp("How you reach customers: email, sms, telegram, webhook, or none.", valueName: "LIST"))
    var reach: String?

    @Option(help: ArgumentHelp("Your customer list (CSV), relative to the playbook.", valueName: "FILE"))
    var contacts: String?

    @Option(name: .customLong("post-to"), help: ArgumentHelp("Where you post instead: x, mastodon, bluesky, telegram, slack, discord, or none.", valueName: "LIST"))
    var postTo: String?

    @Option(help: ArgumentHelp("Ad accounts to pause during the outage: meta, google, or none.", valueName: "LIST"))
    var ads: String?

    @Option(help: "The playbook's timezone (a tz database name).")
    var timezone: String?

    @Option(help: "The folder to write into.")
    var dir: String = "."

    @Flag(help: "Overwrite files that exist.")
    var force = false

    func run() throws {
        let ask = Output.stdinIsTerminal
        var starter = StarterPlaybook()
        starter.platforms = try answer(
            platforms, ask: ask, question: "Which platforms does your business depend on? (\(PlatformCatalog.ids.joined(separator: ", ")))",
            default: starter.platforms.joined(separator: ","), parse: Self.platforms)
        starter.reach = try answer(
            reach, ask: ask, question: "How do you reach your customers? (email, sms, telegram, webhook, or none)", default: "email",
            parse: { try Self.list($0, of: StarterPlaybook.Reach.self, what: "way to reach customers") })
        if !starter.reach.isEmpty {
            starter.contacts = try answer(
                contacts, ask: ask, question: "Where is your customer list? (a CSV file, relative to the playbook)", default: starter.contacts, parse: Self.text)
        }
        starter.networks = try answer(
            postTo, ask: ask, question: "Where do you post instead? (x, mastodon, bluesky, telegram, slack, discord, or none)", default: "none",
            parse: { try Self.list($0, of: StarterPlaybook.Network.self, what: "network") })
        starter.ads = try answer(
            ads, ask: ask, question: "Do you run ads to pause while it is down? (meta, google, or none)", default: "none",
            parse: { try Self.list($0, of: StarterPlaybook.Ads.self, what: "ad account") })
        starter.name = try answer(name, ask: ask, question: "Name of the playbook (a slug)", default: starter.name, parse: Self.text)
        starter.timezone = try answer(timezone, ask: ask, question: "Timezone (e.g. Europe/Rome)", default: ask ? TimeZone.current.identifier : "UTC", parse: Self.timezoneName)
        if let problem = starter.problems.first { throw UsageError(problem) }
        try write(starter)
    }

    /// The flag's value, or the answer to a question on a terminal (asked again until it
    /// parses), or the default.
    private func answer<T>(_ flag: String?, ask: Bool, question: String, default fallback: String, parse: (String) throws -> T) throws -> T {
        if let flag {
            return try parse(flag)
        }
        guard ask else { return try parse(fallback) }
        while true {
            Output.writeError("\(question) [\(fallback)] ")
            guard let line = readLine() else { return try parse(fallback) }
            let text = line.trimmingCharacters(in: .whitespaces)
            do {
                return try parse(text.isEmpty ? fallback : text)
            } catch let problem as UsageError {
                Output.writeError("  \(problem.description)\n")
            }
        }
    }

    private func write(_ starter: StarterPlaybook) throws {
        let folder = URL(fileURLWithPath: dir)
        let files = starter.files
        if !force {
            let existing = files.map(\.name).filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
            if !existing.isEmpty {
                throw UsageError("\(existing.joined(separator: ", ")) already exist\(existing.count == 1 ? "s" : "") in \(dir); nothing written (--force overwrites)")
            }
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files { try Data(file.text.utf8).write(to: folder.appendingPathComponent(file.name), options: .atomic) }
        } catch {
            throw UsageError("cannot write into \(dir): \(error.localizedDescription)")
        }
        let path = { (name: String) in self.dir == "." ? name : (self.dir as NSString).appendingPathComponent(name) }
        Output.writeError(
            """
            wrote \(files.map { path($0.name) }.joined(separator: ", "))
            next:
              playbook validate \(path(starter.name + ".yaml"))     # check it
              playbook test \(path(starter.name + ".test.yaml"))     # its scenario test
              playbook plan \(path(starter.name + ".yaml")) --set trigger.platforms=\(starter.platforms.joined(separator: ","))
            then fill in .env.example's secrets (playbook validate --env checks them) and the contacts file.

            """)
    }

    static func items(_ text: String) -> [String] {
        let words = text.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased() }
        return words == ["none"] ? [] : words
    }

    static func platforms(_ text: String) throws -> [String] {
        let chosen = items(text)
        for platform in chosen where PlatformCatalog.platform(platform) == nil {
            throw UsageError("'\(platform)' is not a platform of the catalog\(Suggestion.hint(for: platform, in: PlatformCatalog.ids)) (choose from \(PlatformCatalog.ids.joined(separator: ", ")))")
        }
        if chosen.isEmpty { throw UsageError("name at least one platform") }
        return chosen
    }

    static func list<T: RawRepresentable & CaseIterable>(_ text: String, of: T.Type, what: String) throws -> [T] where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        return try items(text).map { word in
            guard let value = T(rawValue: word) else {
                throw UsageError("'\(word)' is not a \(what)\(Suggestion.hint(for: word, in: names)) (choose from \(names.joined(separator: ", ")), or none)")
            }
            return value
        }
    }

    static func text(_ text: String) throws -> String { text.trimmingCharacters(in: .whitespaces) }

    static func timezoneName(_ text: String) throws -> String {
        guard TimeZone(identifier: text) != nil else { throw UsageError("'\(text)' is not a timezone of the tz database (e.g. Europe/Rome, America/New_York, UTC)") }
        return text
    }
}
