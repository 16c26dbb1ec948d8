// A last resort against a job that hangs because a rank died where the launcher did not notice (e.g. `srun`
// without --kill-on-bad-exit): when one collective has waited longer than the timeout (DISPO_MPI_TIMEOUT
// seconds), the watchdog reports it and ends this process, which ends the job. Under `mpirun` a dead rank
// ends the job at once without it (mpirun kills the other ranks and names the dead one).
//
// The timeout must exceed the longest time ranks can legitimately wait for each other at a collective
// (the slowest rank's sampling of a step), so it is off unless set.

import Foundation

final class CollectiveWatchdog: @unchecked Sendable {
    let timeout: TimeInterval
    private let condition = NSCondition()
    private var current: (label: String, started: Date)?   // guarded by `condition`
    private var stopped = false                               // guarded by `condition`
    private let expire: @Sendable (_ label: String, _ waited: TimeInterval) -> Void

    /// `expire` runs once, on the watchdog's thread, when a collective has waited longer than `timeout`.
    init(timeout: TimeInterval, expire: @escaping @Sendable (_ label: String, _ waited: TimeInterval) -> Void) {
        self.timeout = timeout
        self.expire = expire
        let thread = Thread { [self] in self.watch() }
        thread.name = "dispo.collective-watchdog"
        thread.start()
    }

    func begin(_ label: String) {
        condition.lock()
        current = (label, Date())
        condition.unlock()
    }

    func end() {
        condition.lock()
        current = nil
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func watch() {
        let tick = min(1, timeout / 4)
        condition.lock()
        while !stopped {
            _ = condition.wait(until: Date(timeIntervalSinceNow: tick))
            if let (label, started) = current, -started.timeIntervalSinceNow > timeout, !stopped {
                let waited = -started.timeIntervalSinceNow
                stopped = true
                condition.unlock()
                expire(label, waited)
                return
            }
        }
        condition.unlock()
    }
}
