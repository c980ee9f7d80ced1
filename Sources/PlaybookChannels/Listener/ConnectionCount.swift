import NIOConcurrencyHelpers

/// How many connections the listener serves and refuses right now, across its event loops.
///
/// Up to `limit` connections are served at once. Beyond, up to as many again are answered 503
/// while they drain; past that a connection is closed unanswered, so that a flood costs the
/// listener a bounded number of sockets whatever its rate.
final class ConnectionCount: Sendable {
    enum Admission: Sendable, Equatable {
        case serve
        /// Answered 503, then closed.
        case refuse
        /// Closed at once.
        case drop
    }

    private let limit: Int
    private let counts = NIOLockedValueBox((served: 0, refusing: 0))

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place for a new connection, or says how to refuse it.
    func admit() -> Admission {
        counts.withLockedValue { counts in
            if counts.served < limit {
                counts.served += 1
                return .serve
            }
            if counts.refusing < limit {
                counts.refusing += 1
                return .refuse
            }
            return .drop
        }
    }

    /// Gives back the place a closed connection held.
    func release(_ admission: Admission) {
        counts.withLockedValue { counts in
            switch admission {
            case .serve: counts.served -= 1
            case .refuse: counts.refusing -= 1
            case .drop: break
            }
        }
    }

    /// Connections served now (tests).
    var served: Int { counts.withLockedValue { $0.served } }
}
