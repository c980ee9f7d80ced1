import Foundation

/// Counts the deliveries of `notify` steps by streaming the contacts once for all steps, each
/// step through its `ContactWalk` (the walk a run sends through): segment membership, channel
/// choice, duplicates and quiet-hours deferrals, without sending anything.
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

    func count(_ jobs: [Job]) -> Result<Outcome, ContactsFile.OpenError> {
        var walks = jobs.compactMap { job in ContactWalk(step: job.step, in: playbook, facts: job.facts, at: job.moment, remembering: .hashes) }
        var file: any ContactReader
        do {
            file = try opener.open(contactsPath, layout: playbook.audience?.layout ?? .native)
        } catch {
            return .failure(error)
        }
        defer { file.close() }
        // Hot loop: arrays indexed by job, segment and channel position instead of dictionaries
        // keyed by name; the walks are visited in place (a copy of one per contact cost a third
        // of the plan's time in retains and releases, measured with perf on bench-plan).
        var counts = Array(repeating: DeliveryCounts(), count: walks.count)
        var byIndex = walks.map { Array(repeating: 0, count: $0.routing.via.count) }
        var deferredByIndex = byIndex
        // Per job, per channel position and reason: why members cannot be reached there.
        let reasons = DeliveryRouting.Obstacle.allCases.count
        var obstacles = walks.map { Array(repeating: 0, count: $0.routing.via.count * reasons) }
        let segmentNames = Array(Set(walks.map(\.segment))).sorted()
        let segmentIndex = walks.map { walk in segmentNames.firstIndex(of: walk.segment)! }
        var membership = Array(repeating: UInt8(0), count: segmentNames.count)  // 0 unknown, 1 no, 2 yes
        let channelTypes = walks.map { $0.routing.via.map(\.type) }
        var contacts = 0
        while let contact = file.next() {
            contacts += 1
            for i in membership.indices { membership[i] = 0 }
            for jobIndex in walks.indices {
                let member: Bool
                let segment = segmentIndex[jobIndex]
                let readsOnlyContact = walks[jobIndex].readsOnlyContact
                if readsOnlyContact, membership[segment] != 0 {
                    member = membership[segment] == 2
                } else {
                    member = walks[jobIndex].isMember(contact)
                    if readsOnlyContact { membership[segment] = member ? 2 : 1 }
                }
                switch walks[jobIndex].visit(contact, isMember: member) {
                case .notMember: continue
                case .unreachable: counts[jobIndex].unreachable += 1
                case .routed:
                    for delivery in walks[jobIndex].deliveries {
                        let route = delivery.route
                        if delivery.isDuplicate {
                            counts[jobIndex].duplicates += 1
                            continue
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
                }
                for (channelIndex, type) in channelTypes[jobIndex].enumerated() {
                    if let obstacle = DeliveryRouting.obstacle(for: contact, on: type) {
                        obstacles[jobIndex][channelIndex * reasons + obstacle.rawValue] += 1
                    }
                }
            }
        }
        for (jobIndex, walk) in walks.enumerated() {
            for (channelIndex, channel) in walk.routing.via.enumerated() {
                if byIndex[jobIndex][channelIndex] > 0 { counts[jobIndex].byChannel[channel.id, default: 0] += byIndex[jobIndex][channelIndex] }
                if deferredByIndex[jobIndex][channelIndex] > 0 { counts[jobIndex].deferredByChannel[channel.id, default: 0] += deferredByIndex[jobIndex][channelIndex] }
                for obstacle in DeliveryRouting.Obstacle.allCases {
                    let count = obstacles[jobIndex][channelIndex * reasons + obstacle.rawValue]
                    if count > 0 { counts[jobIndex].obstaclesByChannel[channel.id, default: [:]][obstacle, default: 0] += count }
                }
            }
        }
        let byStep = Dictionary(zip(walks.map(\.step), counts), uniquingKeysWith: { a, _ in a })
        return .success(Outcome(counts: byStep, contacts: contacts, issues: file.issues))
    }
}
