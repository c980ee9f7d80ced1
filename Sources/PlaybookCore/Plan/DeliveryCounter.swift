import Foundation

/// Counts the deliveries of `notify` steps by streaming the contacts once for all steps: segment
/// membership, channel choice, duplicates and quiet-hours deferrals, without sending anything.
struct DeliveryCounter {
    let playbook: Playbook
    let contactsPath: String
    let opener: ContactsOpener

    /// One notify step to count, at the moment it would start, with the facts of that moment.
    struct Job {
        var step: Step
        var moment: Date
        var facts: Facts
    }

    struct Outcome {
        var counts: [String: DeliveryCounts]
        var contacts: Int
        var issues: ContactIssues
    }

    /// A class, not a struct: the hot loop visits every job for every contact, and copying a
    /// struct of strings, an expression tree and facts there cost a third of the plan's time
    /// in retains and releases (measured with perf on bench-plan).
    private final class Prepared {
        let id: String
        let segment: String
        let expression: Expression
        /// A segment reading only `contact.*` and `vars.*` is the same for every step: evaluated once per contact.
        let contactOnly: Bool
        let routing: DeliveryRouting
        let moment: Date
        let facts: Facts

        init(id: String, segment: String, expression: Expression, contactOnly: Bool, routing: DeliveryRouting, moment: Date, facts: Facts) {
            self.id = id
            self.segment = segment
            self.expression = expression
            self.contactOnly = contactOnly
            self.routing = routing
            self.moment = moment
            self.facts = facts
        }
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
        var file: any ContactReader
        do {
            file = try opener.open(contactsPath, layout: playbook.audience?.layout ?? .native)
        } catch {
            return .failure(error)
        }
        defer { file.close() }
        // Hot loop: arrays indexed by job, segment and channel position instead of dictionaries
        // keyed by name; addresses deduplicated by their 64-bit hash (a plan only counts them).
        var counts = Array(repeating: DeliveryCounts(), count: prepared.count)
        var seen = prepared.map { Array(repeating: Set<Int>(), count: $0.routing.via.count) }
        var byIndex = prepared.map { Array(repeating: 0, count: $0.routing.via.count) }
        var deferredByIndex = byIndex
        // Per job, per channel position and reason: why members cannot be reached there.
        let reasons = DeliveryRouting.Obstacle.allCases.count
        var obstacles = prepared.map { Array(repeating: 0, count: $0.routing.via.count * reasons) }
        var quietCaches = Array(repeating: DeliveryRouting.QuietHoursCache(), count: prepared.count)
        let segmentNames = Array(Set(prepared.map(\.segment))).sorted()
        let segmentIndex = prepared.map { job in segmentNames.firstIndex(of: job.segment)! }
        var membership = Array(repeating: UInt8(0), count: segmentNames.count)  // 0 unknown, 1 no, 2 yes
        var contacts = 0
        while let contact = file.next() {
            contacts += 1
            for i in membership.indices { membership[i] = 0 }
            for (jobIndex, job) in prepared.enumerated() {
                let member: Bool
                let segment = segmentIndex[jobIndex]
                if job.contactOnly, membership[segment] != 0 {
                    member = membership[segment] == 2
                } else {
                    let facts = job.facts
                    member = Evaluator { path in facts.resolve(path, contact: contact) }.evaluate(job.expression) == .bool(true)
                    if job.contactOnly { membership[segment] = member ? 2 : 1 }
                }
                guard member else { continue }
                for (channelIndex, channel) in job.routing.via.enumerated() {
                    if let obstacle = DeliveryRouting.obstacle(for: contact, on: channel.type) {
                        obstacles[jobIndex][channelIndex * reasons + obstacle.rawValue] += 1
                    }
                }
                let routed = job.routing.forEachRoute(for: contact, at: job.moment, cache: &quietCaches[jobIndex]) { route in
                    guard seen[jobIndex][route.index].insert(route.address.hashValue).inserted else {
                        counts[jobIndex].duplicates += 1
                        return
                    }
                    counts[jobIndex].total += 1
                    byIndex[jobIndex][route.index] += 1
                    if let until = route.deferredUntil {
                        counts[jobIndex].deferred += 1
                        deferredByIndex[jobIndex][route.index] += 1
                        counts[jobIndex].earliestDeferredUntil = min(counts[jobIndex].earliestDeferredUntil ?? until, until)
                        counts[jobIndex].latestDeferredUntil = max(counts[jobIndex].latestDeferredUntil ?? until, until)
                    }
                }
                if routed == 0 { counts[jobIndex].unreachable += 1 }
            }
        }
        for (jobIndex, job) in prepared.enumerated() {
            for (channelIndex, channel) in job.routing.via.enumerated() {
                if byIndex[jobIndex][channelIndex] > 0 { counts[jobIndex].byChannel[channel.id, default: 0] += byIndex[jobIndex][channelIndex] }
                if deferredByIndex[jobIndex][channelIndex] > 0 { counts[jobIndex].deferredByChannel[channel.id, default: 0] += deferredByIndex[jobIndex][channelIndex] }
                for obstacle in DeliveryRouting.Obstacle.allCases {
                    let count = obstacles[jobIndex][channelIndex * reasons + obstacle.rawValue]
                    if count > 0 { counts[jobIndex].obstaclesByChannel[channel.id, default: [:]][obstacle, default: 0] += count }
                }
            }
        }
        let byStep = Dictionary(zip(prepared.map(\.id), counts), uniquingKeysWith: { a, _ in a })
        return .success(Outcome(counts: byStep, contacts: contacts, issues: file.issues))
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
