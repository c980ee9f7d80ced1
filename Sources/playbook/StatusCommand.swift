import ArgumentParser
import Foundation
import PlaybookCore
import PlaybookEngine

/// Renders incidents from the journal for `status` and `history`.
enum IncidentReport {
    static func json(_ incident: IncidentRecord, journal: any Journal) async throws -> JSONValue {
        let steps = try await journal.steps(incident: incident.id)
        let counts = try await journal.deliveryCounts(incident: incident.id)
        let failures = try await journal.failures(incident: incident.id)
        func iso(_ date: Date?) -> JSONValue { date.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null }
        return .object([
            ("id", .string(incident.id)), ("playbook", .string(incident.playbook)), ("trigger", .string(incident.trigger)),
            ("status", .string(incident.status.rawValue)), ("started_at", iso(incident.startedAt)), ("resolved_at", iso(incident.resolvedAt)),
            ("steps", .array(steps.map { step in
                var members: [(String, JSONValue)] = [("id", .string(step.step)), ("section", .string(step.section)), ("status", .string(step.status.rawValue)),
                                                      ("attempts", .number(Double(step.attempts))), ("started_at", iso(step.startedAt)), ("finished_at", iso(step.finishedAt))]
                if let detail = step.detail { members.append(("detail", .string(detail))) }
                if let byStatus = counts[step.step] {
                    members.append(("deliveries", .object(DeliveryStatus.allCases.compactMap { s in byStatus[s].map { (s.rawValue, .number(Double($0))) } })))
                }
                return .object(members)
            })),
            ("failures", .array(failures.map { .object([("step", .string($0.step)), ("channel", .string($0.channel)), ("contact", .string($0.contact)), ("reason", .string($0.detail ?? ""))]) })),
        ])
    }

    static func text(_ incident: IncidentRecord, journal: any Journal) async throws -> String {
        let formatter = ISO8601DateFormatter()
        var out = "\(incident.id)  \(incident.status.rawValue)  playbook \(incident.playbook), trigger \(incident.trigger), started \(formatter.string(from: incident.startedAt))"
        if let resolved = incident.resolvedAt { out += ", resolved \(formatter.string(from: resolved))" }
        out += "\n"
        let counts = try await journal.deliveryCounts(incident: incident.id)
        for step in try await journal.steps(incident: incident.id) {
            out += "  \(step.section == "recovery" ? "recovery " : "")\(step.step): \(step.status.rawValue)"
            if let byStatus = counts[step.step] {
                out += " (" + DeliveryStatus.allCases.compactMap { s in byStatus[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ") + ")"
            }
            if let detail = step.detail { out += " — \(detail)" }
            out += "\n"
        }
        for failure in try await journal.failures(incident: incident.id, limit: 10) {
            out += "  failed: \(failure.step) via \(failure.channel) to \(failure.contact.isEmpty ? "-" : failure.contact): \(failure.detail ?? "")\n"
        }
        return out
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Active incidents: their steps, delivery counts and failures.")

    @Argument(help: "A playbook, to find its state beside it (optional with --state or PLAYBOOK_STATE).")
    var file: String?

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "text or json.")
    var format: ReportFormat = .text

    func run() async throws {
        let journal = try await stateOptions.openJournal(besides: file)
        var incidents = try await journal.incidents(unfinishedOnly: true)
        if let file, let playbook = try? PlaybookLoader.load(path: file).playbook { incidents = incidents.filter { $0.playbook == playbook.name.value } }
        try await IncidentListing.print(incidents, journal: journal, format: format, empty: "no active incidents")
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Every incident in the state database, newest first.")

    @Argument(help: "A playbook, to find its state beside it (optional with --state or PLAYBOOK_STATE).")
    var file: String?

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "text or json.")
    var format: ReportFormat = .text

    @Option(help: "How many incidents to show.")
    var limit = 20

    func run() async throws {
        let journal = try await stateOptions.openJournal(besides: file)
        try await IncidentListing.print(try await journal.incidents(limit: limit), journal: journal, format: format, empty: "no incidents yet")
    }
}

enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

enum IncidentListing {
    static func print(_ incidents: [IncidentRecord], journal: any Journal, format: ReportFormat, empty: String) async throws {
        switch format {
        case .json:
            var items: [JSONValue] = []
            for incident in incidents { items.append(try await IncidentReport.json(incident, journal: journal)) }
            Output.write(JSONValue.array(items).serialized(pretty: true) + "\n")
        case .text:
            if incidents.isEmpty { Output.write(empty + "\n") }
            for incident in incidents { Output.write(try await IncidentReport.text(incident, journal: journal)) }
        }
    }
}
