import ArgumentParser
import Foundation
import PlaybookCore
import PlaybookEngine

/// The options `plan` and `run --dry-run` share.
struct PlanOptions: ParsableArguments {
    @Option(help: "The trigger that opens the incident (default: the only one, or the first).")
    var trigger: String?

    @Option(help: "The incident's start, ISO 8601 (default: now).")
    var at: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A trigger or vars fact, e.g. trigger.platforms=facebook,instagram.", valueName: "NAME=VALUE"))
    var assignments: [String] = []

    @Flag(inversion: .prefixedNo, help: "Count deliveries from the contacts file when it exists.")
    var contacts = true

    func request(for playbook: Playbook) throws -> Planner.Request {
        let start = try at.map { try LoadedPlaybook.parseDate($0, timezone: playbook.timezoneIdentifier) } ?? Date()
        let scope = Planner.scope(of: playbook)
        var facts: [(path: [String], value: Value)] = []
        for assignment in assignments {
            do {
                facts.append(try FactAssignment.parse(assignment, scope: scope))
            } catch {
                throw UsageError(error.description)
            }
        }
        return Planner.Request(triggerID: trigger, start: start, assignments: facts, includeContacts: contacts, contactsOpener: .standard)
    }

    func plan(_ playbook: Playbook) throws -> Plan {
        do {
            return try Planner.plan(playbook, try request(for: playbook))
        } catch let problem as Planner.Problem {
            throw UsageError(problem.description)
        }
    }
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the dry-run timeline of a playbook: when each step runs, whether, and what it touches. Sends nothing."
    )

    @Argument(help: "The playbook file.")
    var file: String

    @OptionGroup var options: PlanOptions

    @Option(help: "Output format: text, json, markdown or html.")
    var format: PlanFormat = .text

    @Option(help: "Also write the plan as a reviewable artifact (JSON with digests of the playbook, contacts and facts) for 'run --plan'.")
    var out: String?

    func run() throws {
        let (playbook, bytes) = try LoadedPlaybook.load(file)
        var plan = try options.plan(playbook)
        if let out {
            let facts = PlanArtifact.Facts(trigger: plan.trigger, start: plan.start, assignments: options.assignments)
            plan.digests = PlanArtifact.digests(playbookBytes: bytes, playbook: playbook, facts: facts)
            do {
                try PlanArtifact.document(plan, facts: facts).write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                throw UsageError("cannot write the plan to \(out): \(error.localizedDescription)")
            }
            Output.writeError("plan written to \(out)\n")
        }
        if format != .text {
            for note in plan.notes { Output.writeError("note: \(note)\n") }
        }
        if let audience = plan.audience {
            // Problems in the contacts file, at their line: warnings here, as `plan` reads past them.
            Output.writeError(DiagnosticRenderer(format: .text).render(audience.issues.diagnostics(file: audience.resolvedPath, errorsAsWarnings: true)))
        }
        Output.write(plan.rendered(format))
    }
}

extension PlanFormat: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
