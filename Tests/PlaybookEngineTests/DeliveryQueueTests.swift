import Foundation
import Testing

@testable import PlaybookEngine

/// A channel's queue of deliveries between a fan-out's reader and the channel's workers: items
/// come out in order, a full queue holds the reader back until half is taken, a closed queue
/// hands out what it holds and then ends, and an abandoned one frees both sides.
@Suite struct DeliveryQueueTests {
    @Test func itemsComeOutInOrderAndAClosedQueueEndsOnceEmpty() async {
        let queue = DeliveryQueue<Int>(capacity: 8)
        for i in 0..<5 { #expect(await queue.put(i)) }
        queue.close()
        var taken: [Int] = []
        while let item = await queue.take() { taken.append(item) }
        #expect(taken == [0, 1, 2, 3, 4])
    }

    @Test func aWaitingWorkerIsHandedTheNextItem() async {
        let queue = DeliveryQueue<Int>(capacity: 8)
        let worker = Task { await queue.take() }
        // Whether the worker waits already or not, it gets the item.
        #expect(await queue.put(7))
        #expect(await worker.value == 7)
        queue.close()
        #expect(await queue.take() == nil)
    }

    @Test func aFullQueueHoldsTheReaderUntilHalfIsTaken() async {
        let queue = DeliveryQueue<Int>(capacity: 4)
        for i in 0..<3 { #expect(await queue.put(i)) }
        let reader = Task { await queue.put(3) }
        while !queue.readerWaits { await Task.yield() }
        // Four queued: the reader waits. One taken leaves three, more than half: it still waits.
        #expect(await queue.take() == 0)
        #expect(queue.readerWaits)
        // Two left is half: the reader goes on.
        #expect(await queue.take() == 1)
        #expect(await reader.value)
        queue.close()
        #expect(await queue.take() == 2)
        #expect(await queue.take() == 3)
        #expect(await queue.take() == nil)
    }

    @Test func anAbandonedQueueFreesTheReaderAndTheWorkers() async {
        let full = DeliveryQueue<Int>(capacity: 2)
        #expect(await full.put(0))
        let reader = Task { await full.put(1) }
        let empty = DeliveryQueue<Int>(capacity: 2)
        let worker = Task { await empty.take() }
        while !full.readerWaits { await Task.yield() }
        full.abandon()
        empty.abandon()
        // The reader learns its delivery will not be sent; the worker that nothing is left.
        #expect(await reader.value == false)
        #expect(await worker.value == nil)
        #expect(await full.take() == nil)
    }

    @Test func aCancelledWorkerStopsWaiting() async {
        let queue = DeliveryQueue<Int>(capacity: 2)
        let worker = Task { await queue.take() }
        worker.cancel()
        #expect(await worker.value == nil)
        // Cancelling a worker abandons the queue: the reader is not left waiting for it.
        #expect(await queue.put(1) == false)
    }
}
