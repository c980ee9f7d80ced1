import Foundation

/// Polls `condition` every 20 ms (with `Task.sleep`, holding no thread) until it holds; false
/// after `seconds`.
public func eventually(within seconds: Double = 30, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return await condition()
}

/// The first bytes written into `pipe` (empty at its end), read on a thread of its own: the
/// read blocks, and must not hold one of the few threads the tests share.
public func firstOutput(of pipe: Pipe) async -> Data {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.availableData) }
    }
}
