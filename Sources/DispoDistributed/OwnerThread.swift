// One dedicated OS thread that runs submitted work in submission order, one piece at a time. The MPI library
// is initialised with MPI_THREAD_FUNNELED: only the thread that initialised it may call it, so that thread
// is an OwnerThread and every MPI call is work submitted to it. (A DispatchQueue would not do: a serial queue
// runs its work in order but not always on the same thread.)

import Foundation

final class OwnerThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []     // guarded by `condition`
    private var stopping = false                        // guarded by `condition`
    private var thread: Thread?

    init(name: String) {
        let thread = Thread { self.loop() }   // the thread keeps its owner alive until `stop()`
        thread.name = name
        thread.stackSize = 1 << 22
        self.thread = thread
        thread.start()
    }

    /// Runs `work` on the owner thread and returns its result; blocks the caller until it is done.
    func run<T>(_ work: @escaping () throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        let job = UncheckedSendable { box.result = Result { try work() } }
        enqueue { job.value(); done.signal() }
        done.wait()
        return try box.result!.get()
    }

    /// Finishes the work already submitted, then ends the thread. Work submitted afterwards never runs.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the calling code runs on the owner thread.
    var isCurrent: Bool { Thread.current == thread }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            let job = queue.removeFirst()
            condition.unlock()
            job()
        }
    }
}

/// A value handed to the owner thread while its submitter waits for the result (so never used concurrently).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
