// What this machine can do at most, measured with the benchmark's thread count: the memory read bandwidth
// (sum of a 1 GiB buffer, every thread reading its own part) and the fp32 matrix-product peak (OpenBLAS sgemm
// of 1024³, and the packed decode product at 48 rows, whichever is higher). From them, the fastest possible
// decode step: every weight and the KV cache read once, every multiply-add done once at the peak.
// Dimension legend: B batch, L layers, C hidden, F intermediate, V vocab, NH heads, HS head size, KVD = KVH·HS.

import DispoEngine
import DispoSupport
import Foundation

struct MachineLimits {
    var bandwidth: Double      // bytes/s
    var sgemm: Double          // FLOP/s
    var packed: Double         // FLOP/s
    var peak: Double { max(sgemm, packed) }

    /// The better of each limit.
    func best(with other: MachineLimits) -> MachineLimits {
        MachineLimits(bandwidth: max(bandwidth, other.bandwidth), sgemm: max(sgemm, other.sgemm), packed: max(packed, other.packed))
    }

    static func measure(threads: Int) -> MachineLimits {
        MachineLimits(bandwidth: readBandwidth(threads: threads), sgemm: EngineBench.sgemmPeak() * 1e9,
                      packed: packedPeak(threads: threads))
    }

    /// Best of 5 passes summing a 1 GiB buffer, split over `threads` threads.
    static func readBandwidth(threads: Int) -> Double {
        let count = 1 << 28, arena = Arena(count: count)
        for i in stride(from: 0, to: count, by: 1024) { arena[i].pointee = 1 }   // touch every page
        let address = UInt(bitPattern: arena.base)   // a plain number crosses into the concurrent closure
        var best = Double.infinity
        for _ in 0..<5 {
            let start = wallSeconds()
            let box = SendableSums(threads)
            DispatchQueue.concurrentPerform(iterations: threads) { k in
                guard let base = UnsafePointer<Float>(bitPattern: address) else { return }
                box.store(k, sum(base + count * k / threads, count / threads))
            }
            best = min(best, wallSeconds() - start)
            if box.total.isNaN { best = .infinity }
        }
        return Double(count * 4) / best
    }

    /// Σ of n floats, 32 at a time (four 8-lane accumulators keep enough loads in flight).
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var a = SIMD8<Float>(), b = a, c = a, d = a
        var i = 0
        while i + 32 <= n {
            let r = UnsafeRawPointer(p + i)
            a += r.loadUnaligned(as: SIMD8<Float>.self); b += r.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            c += r.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self); d += r.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
            i += 32
        }
        return (a + b + c + d).sum()
    }

    /// GFLOP/s of the packed product at 48 rows × (4096 × 1024), best of 5.
    static func packedPeak(threads: Int) -> Double {
        let (N, IC, OC) = (48, 1024, 4096)
        let w = Arena(count: OC * IC), packed = Arena(count: OC * IC), x = Arena(count: N * IC), out = Arena(count: N * OC)
        var rng = SplitMix64(seed: 3)
        for i in 0..<(OC * IC) { w[i].pointee = Float(rng.next() >> 40) / Float(1 << 24) - 0.5 }
        for i in 0..<(N * IC) { x[i].pointee = Float(rng.next() >> 40) / Float(1 << 24) - 0.5 }
        PackedMatmul.pack(w.base, OC: OC, IC: IC, into: packed.base) { $0 }
        let t = Timings.measure(warmup: 1, count: 5) {
            PackedMatmul.forward(out: out.base, inp: x.base, weight: UnsafePointer(packed.base), bias: nil, N: N, IC: IC, OC: OC,
                                 accumulate: false, threads: threads)
        }
        return 2 * Double(N * IC * OC) / t.bestWall
    }

    struct StepBound {
        var bytes: Double, flops: Double, seconds: Double
        var memoryBound: Bool
    }

    /// The fastest decode step of `batch` sequences with `context` cached tokens each: weights of `weightBytes`
    /// bytes each and the fp32 KV cache read once; 2 FLOPs per weight per sequence, attention 4·L·NH·HS·context.
    func decodeStepBound(_ c: ModelConfig, batch: Int, context: Int, weightBytes: Int) -> StepBound {
        let C = c.hiddenSize, L = c.numHiddenLayers
        let matrices = Double(L * (c.qkvDim * C + C * c.queryDim + 3 * c.intermediateSize * C) + c.vocabSize * C)
        let kv = Double(2 * L * c.keyValueDim * context * batch * 4)
        let bytes = matrices * Double(weightBytes) + kv
        let flops = 2 * matrices * Double(batch) + Double(4 * L * c.numAttentionHeads * c.headDim * context * batch)
        let memory = bytes / bandwidth, compute = flops / peak
        return StepBound(bytes: bytes, flops: flops, seconds: max(memory, compute), memoryBound: memory >= compute)
    }
}

/// Per-thread results of a concurrent loop.
final class SendableSums: @unchecked Sendable {
    private var sums: [Float]
    private let lock = NSLock()
    init(_ n: Int) { sums = [Float](repeating: 0, count: n) }
    func store(_ k: Int, _ value: Float) { lock.lock(); sums[k] = value; lock.unlock() }
    var total: Float { lock.lock(); defer { lock.unlock() }; return sums.reduce(0, +) }
}
