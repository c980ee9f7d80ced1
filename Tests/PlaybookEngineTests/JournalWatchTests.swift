import Foundation
import PlaybookCore
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// Schema version 2 (trigger states, source samples) and its migration.
@Suite struct JournalWatchTests {
    static func directory() -> String {
        TestScratch.root.appendingPathComponent("journal-\(UUID().uuidString)").path
    }

    static func version(_ directory: String) throws -> Int? {
        let database = try SQLiteDatabase(path: (directory as NSString).appendingPathComponent("state.db"))
        return try database.query("PRAGMA user_version").first?.first?.int
    }

    @Test func aVersionOneJournalIsMigratedAndKeepsItsIncidents() async throws {
        let directory = Self.directory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            let database = try SQLiteDatabase(path: (directory as NSString).appendingPathComponent("state.db"))
            try database.execute(SQLiteJournal.migrations[0] + "\nPRAGMA user_version = 1;")
            try database.run("INSERT INTO incidents (id, playbook, trigger, started_at, status, facts) VALUES ('i1', 'p', 't', 0, 'active', '{}')")
        }
        let journal = try SQLiteJournal(directory: directory)
        #expect(try Self.version(directory) == SQLiteJournal.schemaVersion)
        #expect(try await journal.unfinishedIncident(playbook: "p")?.id == "i1")
        try await journal.saveTriggerStates(
            playbook: "p", [SavedTriggerState(trigger: "t", state: .init(holds: true, since: Date(timeIntervalSince1970: 10)), observedAt: nil)])
        #expect(try await journal.triggerStates(playbook: "p").count == 1)
        #expect(try await journal.approvals(incident: "i1").isEmpty, "the approvals table exists after the migration")
    }

    /// Version 4: the deliveries' index no longer holds their status (a mark rewrites the row
    /// only); a version-3 journal keeps its deliveries, and their counts and failures read as before.
    @Test func aVersionThreeJournalLosesTheStatusIndexAndKeepsItsDeliveries() async throws {
        let directory = Self.directory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("state.db")
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute(SQLiteJournal.migrations[0...2].joined(separator: "\n") + "\nPRAGMA user_version = 3;")
            try database.run("INSERT INTO incidents (id, playbook, trigger, started_at, status, facts) VALUES ('i1', 'p', 't', 0, 'active', '{}')")
            for (key, status) in [("d1", "sent"), ("d2", "failed"), ("d3", "pending")] {
                try database.run(
                    "INSERT INTO deliveries (key, incident, step, channel, contact, address, status, updated_at) VALUES (?, 'i1', 's', 'c', 'k', 'a', ?, 0)",
                    [.text(key), .text(status)])
            }
        }
        let journal = try SQLiteJournal(directory: directory)
        #expect(try Self.version(directory) == SQLiteJournal.schemaVersion)
        let indexes = try SQLiteDatabase(path: path).query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL")
        #expect(indexes.map { $0.first?.text } == ["deliveries_incident_step"])
        #expect(try await journal.deliveryCounts(incident: "i1") == ["s": [.sent: 1, .failed: 1, .pending: 1]])
        #expect(try await journal.failures(incident: "i1", limit: 10).map(\.key) == ["d2"])
    }

    @Test func aJournalFromANewerPlaybookIsRefused() throws {
        let directory = Self.directory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            let database = try SQLiteDatabase(path: (directory as NSString).appendingPathComponent("state.db"))
            try database.execute("PRAGMA user_version = \(SQLiteJournal.schemaVersion + 1);")
        }
        #expect {
            _ = try SQLiteJournal(directory: directory)
        } throws: { error in
            "\(error)".contains("written by a newer playbook (schema \(SQLiteJournal.schemaVersion + 1), this one knows \(SQLiteJournal.schemaVersion))")
        }
    }

    @Test func triggerStatesRoundTrip() async throws {
        let journal = try SQLiteJournal(directory: Self.directory())
        let states = [
            SavedTriggerState(
                trigger: "a", state: .init(holds: true, since: Date(timeIntervalSince1970: 100), firedThisRun: true, inIncident: true),
                observedAt: Date(timeIntervalSince1970: 130), facts: #"{"platforms":["x"]}"#),
            SavedTriggerState(trigger: "b", state: .init(holds: nil, since: Date(timeIntervalSince1970: 0)), observedAt: nil),
        ]
        try await journal.saveTriggerStates(playbook: "p", states)
        #expect(try await journal.triggerStates(playbook: "p").sorted { $0.trigger < $1.trigger } == states)
        var changed = states[0]
        changed.state.holds = false
        try await journal.saveTriggerStates(playbook: "p", [changed])
        #expect(try await journal.triggerStates(playbook: "p").first { $0.trigger == "a" }?.state.holds == false)
        #expect(try await journal.triggerStates(playbook: "other").isEmpty)
    }

    @Test func samplesNearAMomentAndPruning() async throws {
        let journal = try SQLiteJournal(directory: Self.directory())
        let base = Date(timeIntervalSince1970: 1_000_000)
        try await journal.addSamples([("p/web", base, 10), ("p/web", base.addingTimeInterval(60), 20), ("p/other", base.addingTimeInterval(30), 99)])
        #expect(try await journal.sample(series: "p/web", atOrBefore: base.addingTimeInterval(59), notBefore: base.addingTimeInterval(-300))?.value == 10)
        #expect(try await journal.sample(series: "p/web", atOrBefore: base.addingTimeInterval(400), notBefore: base.addingTimeInterval(100)) == nil)
        try await journal.pruneSamples(series: "p/web", before: base.addingTimeInterval(30))
        #expect(try await journal.sample(series: "p/web", atOrBefore: base.addingTimeInterval(59), notBefore: base.addingTimeInterval(-300)) == nil)
        #expect(try await journal.sample(series: "p/other", atOrBefore: base.addingTimeInterval(60), notBefore: base)?.value == 99)
    }
}
