import Foundation
import PlaybookEngine
import PostgresNIO

/// Groups delivery marks: callers wait for their mark to be committed, and every mark that
/// arrives while a flush is in flight joins the next one — one `UPDATE ... FROM unnest(...)` per
/// flush, at most two flushes in flight.
actor MarkBatcher {
    struct Mark: Sendable {
        var key: String
        var status: String
        var attempts: Int
        var detail: String
        var at: Double
    }

    private let client: PostgresClient
    private let location: PostgresLocation
    private var pending: [(Mark, CheckedContinuation<Void, any Error>)] = []
    private var flushing = 0
    static let maximumInFlight = 2
    static let maximumBatch = 2_000

    init(client: PostgresClient, location: PostgresLocation) {
        self.client = client
        self.location = location
    }

    func mark(_ mark: Mark) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((mark, continuation))
            if flushing < Self.maximumInFlight { startFlush() }
        }
    }

    private func startFlush() {
        guard !pending.isEmpty else { return }
        let batch = Array(pending.prefix(Self.maximumBatch))
        pending.removeFirst(batch.count)
        flushing += 1
        Task {
            let result = await Self.write(batch.map(\.0), client: client, location: location)
            self.finished(batch.map(\.1), result)
        }
    }

    private func finished(_ continuations: [CheckedContinuation<Void, any Error>], _ result: Result<Void, JournalFailure>) {
        flushing -= 1
        for continuation in continuations { continuation.resume(with: result.mapError { $0 as any Error }) }
        if flushing < Self.maximumInFlight { startFlush() }
    }

    /// Several marks of one key in a batch (attempting, then sent) collapse into the last, with their attempts summed.
    private static func write(_ marks: [Mark], client: PostgresClient, location: PostgresLocation) async -> Result<Void, JournalFailure> {
        var order: [String] = []
        var merged: [String: Mark] = [:]
        for mark in marks {
            if var previous = merged[mark.key] {
                previous.attempts += mark.attempts
                previous.status = mark.status
                previous.detail = mark.detail
                previous.at = mark.at
                merged[mark.key] = previous
            } else {
                order.append(mark.key)
                merged[mark.key] = mark
            }
        }
        let rows = order.sorted().map { merged[$0]! }
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await update(rows, client: client)
                return .success(())
            } catch let error as PSQLError where attempt < 5 && PostgresJournal.isConflict(error) {
                // A deadlock or serialization failure with another runner's statement: nothing was written; again.
                try? await Task.sleep(nanoseconds: UInt64(attempt) * 10_000_000)
            } catch {
                return .failure(JournalFailure(description: PostgresJournal.describe(error, location)))
            }
        }
    }

    /// A delivery marked `pending` again (reopened by `--retry-failed`) gives up its old claim,
    /// so any runner may take it at once instead of when that claim's lease would have ended.
    private static func update(_ rows: [Mark], client: PostgresClient) async throws {
        do {
            try await client.query(
                """
                UPDATE deliveries d SET status = v.s, attempts = d.attempts + v.a, detail = NULLIF(v.x, ''), updated_at = v.t,
                  claimed_by = CASE WHEN v.s = 'pending' THEN NULL ELSE d.claimed_by END,
                  lease_until = CASE WHEN v.s = 'pending' THEN NULL ELSE d.lease_until END
                FROM unnest(\(rows.map(\.key)), \(rows.map(\.status)), \(rows.map(\.attempts)), \(rows.map(\.detail)), \(rows.map(\.at))) AS v(k, s, a, x, t)
                WHERE d.key = v.k
                """, logger: PostgresJournal.quiet)
        }
    }
}
