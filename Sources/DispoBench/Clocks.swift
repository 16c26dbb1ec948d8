// What the benchmarks measure in their own process: wall time, CPU time (all threads, or the calling thread)
// and peak resident memory. Whole child processes are measured by `ChildProcess`.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Seconds on a monotonic clock.
func wallSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// CPU seconds of this process, all threads: unlike wall time, not inflated by other processes sharing the cores.
func cpuSeconds() -> Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }

/// CPU seconds of the calling thread: does not count time it waited for a core other processes were using.
func threadCPUSeconds() -> Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

private func seconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Peak resident set size of this process, in bytes.
public func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF_WHO, &usage)
    return Int(usage.ru_maxrss) * 1024
}

#if canImport(Glibc)
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif
