import Foundation

/// Counts the deliveries of `notify` steps by streaming the contacts once for all steps: segment
/// membership, channel choice, duplicates and quiet-hours deferrals, without sending anything.
struct DeliveryCounter {
    let playbook: Playbook
    let contactsPath: String

    /// One notify step to count, at the moment it would start, with the facts of that moment.
    struct Job {
        var step: Step
        var moment: Date
        var facts: Facts
    }

    struct Outcome {
        var counts: [String: DeliveryCounts]
        var contacts: Int
        var skippedRows: Int
    }

    private struct Prepared {
        var id: String
        var segment: String
        var expression: Expression
        /// A segment reading only `contact.*` and `vars.*` is the same for every step: evaluated once per contact.
        var contactOnly: Bool
        var routing: DeliveryRouting
        var moment: Date
        var facts: Facts
    }

    func count(_ jobs: [Job]) -> Result<Outcome, ContactsFile.OpenError> {
        let zone = TimeZone(identifier: playbook.timezoneIdentifier) ?? TimeZone(identifier: "UTC")!
        let prepared: [Prepared] = jobs.compactMap { job in
            guard case .notify(let segmentID, let via, _, let mode) = job.step.action,
                let segment = playbook.audience?.segment(segmentID.value), let expression = segment.condition.expression
            else { return nil }
            let channels = via.compactMap { ref in playbook.channel(ref.value).map { (id: $0.id.value, type: $0.type) } }
            let routing = DeliveryRouting(via: channels, mode: mode, quietHours: playbook.settings.quietHours?.value, defaultTimezone: zone)
            let contactOnly = expression.names.allSatisfy { $0.first == "contact" || $0.first == "vars" }
            return Prepared(id: job.step.id.value, segment: segmentID.value, expression: expression, contactOnly: contactOnly,
                            routing: routing, moment: job.moment, facts: job.facts)
        }
        var file: ContactsFile
        do {
            file = try ContactsFile(path: contactsPath)
        } catch {
            return .failure(error)
        }
        defer { file.close() }
        var counts = Dictionary(uniqueKeysWithValues: prepared.map { ($0.id, DeliveryCounts()) })
        var seen: [String: [String: Set<String>]] = [:]
        var zones: [String: TimeZone] = [:]
        var contacts = 0
        var membership: [String: Bool] = [:]
        while let contact = file.next() {
            contacts += 1
            membership.removeAll(keepingCapacity: true)
            for job in prepared {
                let member: Bool
                if job.contactOnly, let known = membership[job.segment] {
                    member = known
                } else {
                    let facts = job.facts
                    member = Evaluator { path in facts.resolve(path, contact: contact) }.evaluate(job.expression) == .bool(true)
                    if job.contactOnly { membership[job.segment] = member }
                }
                guard member else { continue }
                let routes = job.routing.routes(for: contact, at: job.moment, timezoneCache: &zones)
                if routes.isEmpty {
                    counts[job.id]!.unreachable += 1
                    continue
                }
                for route in routes {
                    guard seen[job.id, default: [:]][route.channel, default: []].insert(route.address).inserted else {
                        counts[job.id]!.duplicates += 1
                        continue
                    }
                    counts[job.id]!.record(route)
                }
            }
        }
        return .success(Outcome(counts: counts, contacts: contacts, skippedRows: file.skippedCount))
    }
}

extension DeliveryCounts {
    mutating func record(_ route: DeliveryRouting.Route) {
        total += 1
        byChannel[route.channel, default: 0] += 1
        if let until = route.deferredUntil {
            deferred += 1
            deferredByChannel[route.channel, default: 0] += 1
            earliestDeferredUntil = min(earliestDeferredUntil ?? until, until)
            latestDeferredUntil = max(latestDeferredUntil ?? until, until)
        }
    }
}
