import Foundation

/// A few SMTP connections to one server, reused across deliveries.
///
/// A connection serves one transaction at a time. A reused one is RSET first, which also shows
/// whether the server still has it: when the server has closed it (idle timeout, 421), it is
/// dropped and another is opened, so a long pause between steps costs nothing but a reconnect.
actor SMTPConnectionPool {
    /// One connection between transactions.
    struct Lease: Sendable {
        var connection: SMTPConnection
        /// Transactions already run on it.
        var transactions: Int
        var lastUsed: ContinuousClock.Instant
    }

    private let configuration: SMTPConfiguration
    private let maxConnections: Int
    /// Some servers cap the messages of one connection: reconnect before a limit bites.
    private let maxTransactions: Int
    /// An idle connection older than this is closed with QUIT rather than reused.
    private let maxIdle: Duration
    private var idle: [Lease] = []
    /// Connections that exist or are being opened, leased or idle.
    private var count = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    init(configuration: SMTPConfiguration, maxConnections: Int, maxTransactions: Int = 50, maxIdle: Duration = .seconds(120)) {
        self.configuration = configuration
        self.maxConnections = max(1, maxConnections)
        self.maxTransactions = max(1, maxTransactions)
        self.maxIdle = maxIdle
    }

    /// A connection ready for a transaction: an idle one that answers RSET, or a new one.
    func checkout() async throws(SMTPError) -> Lease {
        while true {
            if closed { throw SMTPError.cancelled }
            if var lease = idle.popLast() {
                let stale = lease.lastUsed.duration(to: .now) > maxIdle || lease.transactions >= maxTransactions
                if stale || !lease.connection.channel.isActive {
                    discard(lease.connection, quit: stale)
                    continue
                }
                do {
                    try await lease.connection.reset()
                    lease.lastUsed = .now
                    return lease
                } catch {
                    discard(lease.connection, quit: false)
                    continue
                }
            }
            if count < maxConnections {
                count += 1
                do {
                    let connection = try await SMTPConnection.open(configuration)
                    return Lease(connection: connection, transactions: 0, lastUsed: .now)
                } catch {
                    count -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// Gives a connection back after a transaction; `reusable` false closes it.
    func checkin(_ lease: Lease, reusable: Bool) {
        if reusable, !closed, lease.connection.channel.isActive {
            var lease = lease
            lease.transactions += 1
            lease.lastUsed = .now
            idle.append(lease)
            wakeOne()
        } else {
            discard(lease.connection, quit: reusable)
        }
    }

    /// QUITs every idle connection; connections in use are closed when they come back.
    func close() async {
        closed = true
        let leases = idle
        idle = []
        count -= leases.count
        await withTaskGroup(of: Void.self) { group in
            for lease in leases { group.addTask { await lease.connection.quit() } }
        }
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    private func discard(_ connection: SMTPConnection, quit: Bool) {
        count -= 1
        if quit {
            Task { await connection.quit() }
        } else {
            connection.channel.close(promise: nil)
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
