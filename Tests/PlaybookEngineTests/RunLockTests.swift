import Foundation
import PlaybookTestSupport
import Testing

@testable import PlaybookEngine

/// One run of a playbook at a time on an SQLite state; the lock goes with its holder.
@Suite struct RunLockTests {
    @Test func aSecondTakerIsToldWhoHoldsItAndGetsItOnceReleased() throws {
        let directory = TestScratch.root.appendingPathComponent("runlock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = try SQLiteJournal(directory: directory.path)
        do {
            let first = try #require(try journal.lockRuns(of: "meta-outage", by: "playbook run"))
            #expect(throws: RunLock.Held.self) { try journal.lockRuns(of: "meta-outage", by: "playbook watch") }
            do {
                _ = try journal.lockRuns(of: "meta-outage", by: "playbook watch")
            } catch {
                #expect("\(error)".hasPrefix("playbook 'meta-outage' is being run by another process (pid \(getpid()), 'playbook run' since "))
                #expect("\(error)".hasSuffix("Let that one finish, or stop it (Ctrl-C: what it has sent is journaled), then run this again"))
            }
            // A watcher never finishes by itself: the refusal says what to do instead.
            let watching = try #require(try journal.lockRuns(of: "shop", by: "playbook watch"))
            do {
                _ = try journal.lockRuns(of: "shop", by: "playbook recover")
            } catch {
                #expect("\(error)".hasSuffix("Let it run the playbook (with --listen, its console can start the recovery and retry what failed), or stop it (Ctrl-C: what it has sent is journaled), then run this again"))
            }
            withExtendedLifetime(watching) {}
            // Another playbook in the same state has its own lock.
            #expect(try journal.lockRuns(of: "newsletter", by: "playbook run") != nil)
            withExtendedLifetime(first) {}
        }
        #expect(try journal.lockRuns(of: "meta-outage", by: "playbook run") != nil)
    }

    @Test func aPlaybookNameIsAFileNameOnlyOfSafeCharacters() {
        #expect(RunLock.path(directory: "/s", playbook: "meta-outage_2.v1") == "/s/run-meta-outage_2.v1.lock")
        #expect(RunLock.path(directory: "/s", playbook: "../x y/é") == "/s/run-.._x_y__.lock")
    }
}
