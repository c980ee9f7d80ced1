import Foundation
import PlaybookCore

/// Renders incidents for `status` and `history`: text for people, one JSON array for machines.
///
/// Text lists a step's delivery counts in the order deliveries move (pending, then done or
/// failed) and at most `textFailureLimit` failures, so a thousand bounced addresses do not push
/// the steps off the screen; JSON carries `jsonFailureLimit` of them for tools.
public struct IncidentReportRenderer: Sendable {
    public var format: ReportFormat

    /// Failures listed per incident in text.
    public static let textFailureLimit = 10
    /// Failures listed per incident in JSON.
    public static let jsonFailureLimit = 20

    public init(format: ReportFormat) {
        self.format = format
    }

    /// How many failures to read from the journal for this format.
    public var failureLimit: Int { format == .text ? Self.textFailureLimit : Self.jsonFailureLimit }

    /// Reads each incident's report from `journal` and renders them all; in text, `empty` is the
    /// line shown when there is none ("no active incidents").
    public func render(_ incidents: [IncidentRecord], from journal: any Journal, empty: String) async throws -> String {
        var reports: [IncidentReport] = []
        for incident in incidents { reports.append(try await IncidentReport.read(incident, from: journal, failureLimit: failureLimit)) }
        return render(reports, empty: empty)
    }

    public func render(_ reports: [IncidentReport], empty: String) -> String {
        switch format {
        case .json:
            return JSONValue.array(reports.map(Self.json)).serialized(pretty: true) + "\n"
        case .text:
            return reports.isEmpty ? empty + "\n" : reports.map(Self.text).joined()
        }
    }

    /// One incident as a JSON object: its record, each step with its delivery counts, its failures.
    public static func json(_ report: IncidentReport) -> JSONValue {
        let incident = report.incident
        return .object([
            ("id", .string(incident.id)), ("playbook", .string(incident.playbook)), ("trigger", .string(incident.trigger)),
            ("status", .string(incident.status.rawValue)), ("started_at", iso(incident.startedAt)), ("resolved_at", iso(incident.resolvedAt)),
            ("steps", .array(report.steps.map { json($0, counts: report.deliveryCounts[$0.step]) })),
            ("approvals", .array(report.approvals.map(json))),
            (
                "failures",
                .array(
                    report.failures.map {
                        .object([
                            ("step", .string($0.step)), ("channel", .string($0.channel)), ("contact", .string($0.contact)),
                            ("reason", .string($0.detail ?? "")),
                        ])
                    })
            ),
        ])
    }

    static func json(_ step: StepRecord, counts: [DeliveryStatus: Int]?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(step.step)), ("section", .string(step.section)), ("status", .string(step.status.rawValue)),
            ("attempts", .number(Double(step.attempts))), ("started_at", iso(step.startedAt)), ("finished_at", iso(step.finishedAt)),
        ]
        if let detail = step.detail { members.append(("detail", .string(detail))) }
        if let counts {
            members.append(
                ("deliveries", .object(DeliveryStatus.allCases.compactMap { status in counts[status].map { (status.rawValue, .number(Double($0))) } })))
        }
        return .object(members)
    }

    /// One incident in text: a heading line, a line per step, a line per failure.
    public static func text(_ report: IncidentReport) -> String {
        let incident = report.incident
        let formatter = ISO8601DateFormatter()
        var out =
            "\(incident.id)  \(incident.status.rawValue)  playbook \(incident.playbook), trigger \(incident.trigger), started \(formatter.string(from: incident.startedAt))"
        if let resolved = incident.resolvedAt { out += ", resolved \(formatter.string(from: resolved))" }
        out += "\n"
        for step in report.steps {
            out += "  \(step.section == "recovery" ? "recovery " : "")\(step.step): \(step.status.rawValue)"
            if let counts = report.deliveryCounts[step.step] {
                out += " (" + DeliveryStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }.joined(separator: ", ") + ")"
            }
            if let detail = step.detail { out += " — \(detail)" }
            out += "\n"
        }
        out += report.approvals.map(text).joined()
        let listed = report.failures.prefix(textFailureLimit)
        for failure in listed {
            out += "  failed: \(failure.step) via \(failure.channel) to \(failure.contact.isEmpty ? "-" : failure.contact): \(failure.detail ?? "")\n"
        }
        // The list stops at ten: say how many it leaves out, or a reader takes ten for all.
        let failed = report.deliveryCounts.values.reduce(0) { $0 + ($1[.failed] ?? 0) }
        if failed > listed.count, !listed.isEmpty {
            out += "  … and \(failed - listed.count) more failed deliver\(failed - listed.count == 1 ? "y" : "ies")\n"
        }
        if let hint = retryHint(report) { out += "  \(hint)\n" }
        return out
    }

    /// How to send again what failed (`--retry-failed`), for an unfinished incident with a failed
    /// step that is not an approval (a decision is never retried).
    public static func retryHint(_ report: IncidentReport) -> String? {
        switch (report.incident.status, report.retryableSection) {
        case (.active, "steps"?):
            return "once the cause is fixed, 'playbook run' with --retry-failed sends again only what failed"
        case (.recovering, "recovery"?):
            return "once the cause is fixed, 'playbook recover' with --retry-failed runs the failed recovery steps again"
        default:
            return nil
        }
    }

    static func iso(_ date: Date?) -> JSONValue {
        date.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null
    }
}
