// Splitting row-wise loops over a few threads (Dispatch's concurrentPerform) for the element-wise layers,
// which otherwise run on one core while BLAS uses all of them. Chunks are contiguous and fixed by
// (count, threads); no sum crosses a chunk, so results are bit-identical for any thread count.

import Dispatch

enum Parallel {
    /// The body runs on raw pointers into arenas; each chunk touches only its own rows, which is what makes
    /// handing it to other threads sound.
    private struct Body: @unchecked Sendable { let run: (Int, Range<Int>) -> Void }

    /// Runs body on up to `threads` contiguous chunks of 0..<count (each at least `minimumPerChunk` long);
    /// returns when all are done.
    static func chunks(_ count: Int, threads: Int, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        indexedChunks(count, threads: threads, minimumPerChunk: minimumPerChunk) { _, range in body(range) }
    }

    /// The same, telling each chunk its index k (0 ≤ k < threads), e.g. to pick its own scratch.
    static func indexedChunks(_ count: Int, threads: Int, minimumPerChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let n = max(1, min(threads, count / max(1, minimumPerChunk)))
        if n == 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = Body(run: escapable)
            DispatchQueue.concurrentPerform(iterations: n) { k in
                box.run(k, (count * k / n)..<(count * (k + 1) / n))
            }
        }
    }
}
