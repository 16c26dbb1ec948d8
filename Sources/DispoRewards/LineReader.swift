// Lines from a file descriptor (a plugin's stdout), read on a thread of their own so no cooperative thread
// ever blocks in read(2), and handed out in order: `line(n)` is the n-th line (0-based), waiting for it.
// At end of file every later wait fails with `end()`'s error, so a plugin that dies never leaves a request
// waiting.

import DispoChannels
import Foundation

final class LineReader: Sendable {
    private let lines = AwaitableMap<Int, String>()

    /// Starts reading `descriptor` until end of file; `end` is the error waits get after it (called then).
    init(descriptor: Int32, end: @escaping @Sendable () -> any Error) {
        let lines = self.lines
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var index = 0
            while true {
                let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                for byte in buffer[0..<n] {
                    if byte == UInt8(ascii: "\n") {
                        lines.set(index, String(decoding: pending, as: UTF8.self))
                        index += 1
                        pending.removeAll(keepingCapacity: true)
                    } else if pending.count < 16 << 20 {
                        pending.append(byte)
                    }
                }
            }
            lines.fail(end())
        }
        thread.name = "dispo.reward-plugin.reader"
        thread.start()
    }

    /// Line `n`, waiting for it; earlier lines are forgotten.
    func line(_ n: Int) async throws -> String {
        let text = try await lines.value(for: n)
        lines.keep { $0 > n }
        return text
    }
}
