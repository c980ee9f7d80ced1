import Synchronization

/// The deliveries of one channel waiting for that channel's workers: a single runner's fan-out
/// puts journaled deliveries in, a fixed set of worker tasks takes them out one at a time.
///
/// Why not a task per delivery: each one cost a task's creation and start, and the reader, which
/// waited for a gate slot before starting each, was suspended and woken once per delivery. With
/// workers, a worker that finishes a delivery takes the next one without suspending, and the
/// reader waits only when `capacity` deliveries are queued — until half of them are taken, so it
/// is woken once per `capacity / 2` deliveries (bench/README.md, bench-fanout).
///
/// A queue that is `abandon`ed (its workers failed, or the fan-out was cancelled) takes nothing
/// more: `put` returns false and `take` returns nil, so neither side waits for the other forever.
final class DeliveryQueue<Item: Sendable>: Sendable {
    private struct State {
        /// Taken items are moved out (`nil` is left), not copied: a delivery's copy retained and
        /// later released each of its strings.
        var items: [Item?] = []
        /// Index of the next item to take in `items` (taken ones are dropped in bulk).
        var head = 0
        var closed = false
        var abandoned = false
        var takers: [CheckedContinuation<Item?, Never>] = []
        var putter: CheckedContinuation<Bool, Never>?

        var count: Int { items.count - head }

        mutating func pop() -> Item? {
            guard head < items.count else { return nil }
            let item = items[head].take()
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }

        /// The waiting putter, taken out, once the queue has drained to half its capacity.
        mutating func wakePutter(capacity: Int) -> CheckedContinuation<Bool, Never>? {
            guard putter != nil, count <= capacity / 2 else { return nil }
            defer { putter = nil }
            return putter
        }
    }

    /// What `put` found under the lock.
    private enum PutStep {
        case handed(CheckedContinuation<Item?, Never>)
        case queued
        case full
        case abandoned
    }

    /// What `take` found under the lock.
    private enum TakeStep {
        case item(Item, wake: CheckedContinuation<Bool, Never>?)
        case done
        case wait
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(2, capacity)
    }

    /// Queues `item` (or hands it to a waiting worker); waits while the queue is full. Returns
    /// false when the queue was abandoned: the item will not be sent.
    func put(_ item: Item) async -> Bool {
        let step = state.withLock { state -> PutStep in
            if state.abandoned { return .abandoned }
            if !state.takers.isEmpty { return .handed(state.takers.removeFirst()) }
            state.items.append(item)
            return state.count >= capacity ? .full : .queued
        }
        switch step {
        case .handed(let taker):
            taker.resume(returning: item)
            return true
        case .queued:
            return true
        case .abandoned:
            return false
        case .full:
            return await withTaskCancellationHandler {
                await withCheckedContinuation { (putter: CheckedContinuation<Bool, Never>) in
                    let answer: Bool? = state.withLock { state in
                        if state.abandoned { return false }
                        if state.count <= capacity / 2 { return true }
                        state.putter = putter
                        return nil
                    }
                    if let answer { putter.resume(returning: answer) }
                }
            } onCancel: {
                abandon()
            }
        }
    }

    /// The next item; nil once the queue is closed and empty, or abandoned.
    func take() async -> Item? {
        let step = state.withLock { state -> TakeStep in
            if state.abandoned { return .done }
            if let item = state.pop() { return .item(item, wake: state.wakePutter(capacity: capacity)) }
            return state.closed ? .done : .wait
        }
        switch step {
        case .item(let item, let putter):
            putter?.resume(returning: true)
            return item
        case .done:
            return nil
        case .wait:
            return await withTaskCancellationHandler {
                await withCheckedContinuation { (taker: CheckedContinuation<Item?, Never>) in
                    let now: (Item?, ready: Bool, putter: CheckedContinuation<Bool, Never>?) = state.withLock { state in
                        if state.abandoned { return (nil, true, nil) }
                        if let item = state.pop() { return (item, true, state.wakePutter(capacity: capacity)) }
                        if state.closed { return (nil, true, nil) }
                        state.takers.append(taker)
                        return (nil, false, nil)
                    }
                    now.putter?.resume(returning: true)
                    if now.ready { taker.resume(returning: now.0) }
                }
            } onCancel: {
                abandon()
            }
        }
    }

    /// Whether the reader waits for room (for tests).
    var readerWaits: Bool { state.withLock { $0.putter != nil } }

    /// Nothing more will be put: workers take what is queued, then `take` returns nil.
    func close() {
        let takers = state.withLock { state in
            state.closed = true
            defer { state.takers = [] }
            return state.takers
        }
        for taker in takers { taker.resume(returning: nil) }
    }

    /// Drops what is queued and wakes both sides: the workers failed or the fan-out was cancelled.
    func abandon() {
        let (takers, putter) = state.withLock { state in
            state.abandoned = true
            state.closed = true
            state.items = []
            state.head = 0
            defer {
                state.takers = []
                state.putter = nil
            }
            return (state.takers, state.putter)
        }
        for taker in takers { taker.resume(returning: nil) }
        putter?.resume(returning: false)
    }
}
