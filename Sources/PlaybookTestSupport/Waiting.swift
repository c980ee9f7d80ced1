import Foundation

/// Polls `condition` every 10 ms (with `Task.sleep`, holding no thread) until it holds; false
/// after `seconds` of real time. A condition that throws has not held yet. Generous by default:
/// the limit only turns a hang into a failure, and tests running in parallel on a busy machine
/// wait their turn.
public func eventually(within seconds: Double = 60, _ condition: () async throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return (try? await condition()) == true
}

/// The first bytes written into `pipe` (empty at its end), read on a thread of its own: the
/// read blocks, and must not hold one of the few threads the tests share.
public func firstOutput(of pipe: Pipe) async -> Data {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.availableData) }
    }
}
