import Foundation

extension SQLiteJournal {
    /// What a write does to the delivery totals, worked out inside its transaction.
    enum DeliveryChange: Sendable {
        /// A delivery journaled with `status`, unless its key already was (resume).
        case planned(incident: String, status: DeliveryStatus)
        /// A delivery whose status becomes `status`.
        case marked(key: String, status: DeliveryStatus)
    }

    /// Starts keeping `deliveryTally` as deliveries are written, from the totals journaled now.
    /// Both happen on this actor, so no write falls between the count and the first tallied write.
    public func countDeliveries() throws -> DeliveryTally? {
        if !tallying {
            deliveryTally.reset(to: try deliveryTotals())
            tallying = true
        }
        return deliveryTally
    }

    /// Runs `write` and adds what it changed to `tallied`: a planned delivery counts once it is
    /// inserted; a marked one moves from the status it had (read just before, by its key) to its new one.
    func tally(_ change: DeliveryChange, of write: Write, into tallied: inout [DeliveryTally.Key: Int]) throws(SQLiteDatabase.Failure) {
        switch change {
        case .planned(let incident, let status):
            try database.run(write.sql, write.values)
            guard database.changes > 0, let playbook = try playbook(of: incident) else { return }
            tallied[DeliveryTally.Key(playbook: playbook, status: status), default: 0] += 1
        case .marked(let key, let status):
            let before = try database.query("SELECT status, incident FROM deliveries WHERE key = ?", [.text(key)]).first
            try database.run(write.sql, write.values)
            guard let before, let old = before[0].text.flatMap(DeliveryStatus.init(rawValue:)), old != status,
                let incident = before[1].text, let playbook = try playbook(of: incident)
            else { return }
            tallied[DeliveryTally.Key(playbook: playbook, status: old), default: 0] -= 1
            tallied[DeliveryTally.Key(playbook: playbook, status: status), default: 0] += 1
        }
    }

    private func playbook(of incident: String) throws(SQLiteDatabase.Failure) -> String? {
        if let known = playbookOfIncident[incident] { return known }
        let playbook = try database.query("SELECT playbook FROM incidents WHERE id = ?", [.text(incident)]).first?[0].text
        if let playbook { playbookOfIncident[incident] = playbook }
        return playbook
    }
}
