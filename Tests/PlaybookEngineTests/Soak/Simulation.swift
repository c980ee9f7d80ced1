import Foundation

@testable import PlaybookEngine

/// A deterministic simulation of time for the soak: every job of the tasks that prefer it runs on
/// one thread, and the virtual clock moves — to the earliest sleeper's deadline — only when that
/// thread has nothing left to run. Work never takes virtual time and time never passes while work
/// is pending, so what the engine decides (when a step starts, whether quiet hours apply, what
/// `incident.active` says) is the same on an idle laptop and on a loaded CI machine.
///
/// The one piece of engine work that leaves the thread is the journal's: its commits run on the
/// journal's actor. Before moving the clock the simulation therefore passes a barrier through the
/// journal (`idleBarrier`): a commit in progress finishes, its caller lands back on the queue,
/// and the clock moves only if the queue is still empty then.
final class Simulation: TaskExecutor, EngineClock, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var current: Date
    private var sleepers: [Sleeper] = []
    private var cancelledEarly: Set<UInt64> = []
    private var nextID: UInt64 = 0
    private var stopped = false
    private var barrierInFlight = false
    private var thread: Thread?
    private var threadID: pthread_t?
    /// Passed before every move of the clock (see above).
    var idleBarrier: (@Sendable () async -> Void)?

    /// How often the clock moved, and calls from outside the simulation's thread (which would
    /// make outcomes depend on timing: the test requires none).
    private(set) var advances = 0
    private(set) var offThreadCalls = 0
    private(set) var jobsRun = 0

    private struct Sleeper {
        var deadline: Date
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    init(origin: Date) {
        current = origin
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "simulation"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    // MARK: TaskExecutor

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        threadID = pthread_self()
        while true {
            while head == jobs.count {
                if stopped {
                    condition.unlock()
                    return
                }
                if !sleepers.isEmpty, !barrierInFlight {
                    startBarrier()
                    continue
                }
                condition.wait()
            }
            let job = jobs[head]
            head += 1
            if head > 4096, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            jobsRun += 1
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
        }
    }

    /// Called with the lock held, when the queue is empty and someone sleeps.
    private func startBarrier() {
        guard let barrier = idleBarrier else {
            advanceLocked()
            return
        }
        barrierInFlight = true
        condition.unlock()
        Task(executorPreference: self) {
            await barrier()
            self.barrierPassed()
        }
        condition.lock()
    }

    private func barrierPassed() {
        condition.lock()
        barrierInFlight = false
        // The barrier's own last job is running now: only jobs queued behind it count.
        if head == jobs.count { advanceLocked() }
        condition.unlock()
    }

    /// Moves the clock to the earliest deadline and wakes every sleeper due then, in the order
    /// they went to sleep. Called with the lock held.
    private func advanceLocked() {
        guard let first = sleepers.first else { return }
        current = max(current, first.deadline)
        advances += 1
        var due: [Sleeper] = []
        while let next = sleepers.first, next.deadline <= current {
            due.append(sleepers.removeFirst())
        }
        condition.unlock()
        for sleeper in due { sleeper.continuation.resume() }
        condition.lock()
    }

    // MARK: EngineClock

    private func checkThread() {
        if let threadID, pthread_equal(threadID, pthread_self()) == 0 { offThreadCalls += 1 }
    }

    func now() -> Date {
        condition.lock()
        defer { condition.unlock() }
        checkThread()
        return current
    }

    func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        let id: UInt64 = condition.withLock {
            checkThread()
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                condition.lock()
                if cancelledEarly.remove(id) != nil {
                    condition.unlock()
                    continuation.resume(throwing: CancellationError())
                    return
                }
                if deadline <= current {
                    // Already due: wake in turn, after what is queued now.
                    let index = sleepers.firstIndex { $0.deadline > current } ?? sleepers.count
                    sleepers.insert(Sleeper(deadline: current, id: id, continuation: continuation), at: index)
                } else {
                    let index = sleepers.firstIndex { $0.deadline > deadline } ?? sleepers.count
                    sleepers.insert(Sleeper(deadline: deadline, id: id, continuation: continuation), at: index)
                }
                condition.signal()
                condition.unlock()
            }
        } onCancel: {
            condition.lock()
            if let index = sleepers.firstIndex(where: { $0.id == id }) {
                let sleeper = sleepers.remove(at: index)
                condition.unlock()
                sleeper.continuation.resume(throwing: CancellationError())
            } else {
                cancelledEarly.insert(id)
                condition.unlock()
            }
        }
    }

    /// Runs `operation` inside the simulation and returns its result once everything is done.
    func run<T: Sendable>(_ operation: @Sendable @escaping () async throws -> T) async throws -> T {
        start()
        defer { stop() }
        return try await withTaskExecutorPreference(self) { try await operation() }
    }
}
