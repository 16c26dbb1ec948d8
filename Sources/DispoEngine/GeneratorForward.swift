// The inference forward of `Generator`: new rows through every layer, keys/values into the KV cache,
// attention against the cache, logits for each slot's last row. Nothing is kept for backward.
// Dimension legend: R rows, S slots with rows this call, C hidden, F intermediate, V vocab, NH/KVH heads,
// HS head size, G = NH/KVH, QKV = (NH + 2·KVH)·HS, QD = NH·HS, KVD = KVH·HS, P cache capacity.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Generator {
    /// Offsets into the work arena for R rows, S slots, and query blocks of at most `block` rows.
    struct WorkLayout {
        var x = 0, ln = 0, rstd = 0, qkv = 0, atty = 0, gateUp = 0, hidden = 0   // (R, ·) row buffers
        var scores = 0                                                          // (block, P)
        var last = 0, lastNorm = 0, lastRstd = 0, logits = 0                    // (S, C), (S, C), (S), (S, V)
        var count = 0
        init(config c: ModelConfig, R: Int, S: Int, block: Int, capacity: Int) {
            func take(_ n: Int) -> Int { defer { count += (n + 15) & ~15 }; return count }
            x = take(R * c.hiddenSize); ln = take(R * c.hiddenSize); rstd = take(R)
            qkv = take(R * c.qkvDim); atty = take(R * c.queryDim)
            gateUp = take(R * 2 * c.intermediateSize); hidden = take(R * c.intermediateSize)
            scores = take(block * capacity)
            last = take(S * c.hiddenSize); lastNorm = take(S * c.hiddenSize); lastRstd = take(S)
            logits = take(S * c.vocabSize)
        }
    }

    /// Runs `rows` (grouped by slot, consecutive positions within a slot, slots in increasing order) and returns
    /// logits (S, V) for the last row of each slot, in slot order. Valid until the next call.
    func advance(rows: [(slot: Int, position: Int, token: Int32)]) throws -> UnsafeMutablePointer<Float> {
        let c = model.config, W = model.parameters, L = model.layout
        let R = rows.count, C = c.hiddenSize, F = c.intermediateSize, V = c.vocabSize
        let QKV = c.qkvDim, QD = c.queryDim, KVD = c.keyValueDim, HS = c.headDim, G = c.groupSize
        let eps = Float(c.rmsNormEps), P = cache.capacity
        // Slot blocks: (slot, first row, row count, first position).
        var blocks: [(slot: Int, row: Int, count: Int, position: Int)] = []
        for (r, row) in rows.enumerated() {
            if let lastBlock = blocks.last, lastBlock.slot == row.slot {
                guard row.position == lastBlock.position + lastBlock.count else {
                    throw EngineError.invalidBatch("rows of slot \(row.slot) must have consecutive positions")
                }
                blocks[blocks.count - 1].count += 1
            } else {
                blocks.append((row.slot, r, 1, row.position))
            }
        }
        let S = blocks.count, maxBlock = blocks.map(\.count).max() ?? 0
        let layout = WorkLayout(config: c, R: R, S: S, block: maxBlock, capacity: P)
        if work == nil || work!.count < layout.count { work = nil; work = Arena(count: layout.count) }
        let A = work!
        let ids = rows.map(\.token), positions = rows.map { Int32($0.position) }
        model.rope.reserve(P)
        ids.withUnsafeBufferPointer { idBuf in
        positions.withUnsafeBufferPointer { posBuf in
            Embedding.forward(out: A[layout.x], ids: idBuf.baseAddress!, table: W[L.embedding], N: R, C: C)
            for l in 0..<c.numHiddenLayers {
                let w = L.layers[l]
                RMSNorm.forward(out: A[layout.ln], rstd: A[layout.rstd], inp: A[layout.x], weight: W[w.ln1], N: R, C: C, eps: eps,
                                threads: model.threads)
                Matmul.forward(out: A[layout.qkv], inp: A[layout.ln], weight: W[w.wqkv], bias: w.bqkv < 0 ? nil : W[w.bqkv],
                               N: R, IC: C, OC: QKV)
                if w.qNorm >= 0 {
                    QKNorm.forward(qkv: A[layout.qkv], pre: nil, rstd: nil, qWeight: W[w.qNorm], kWeight: W[w.kNorm],
                                   N: R, NH: c.numAttentionHeads, KVH: c.numKeyValueHeads, HS: HS, eps: eps)
                }
                Rope.apply(qkv: A[layout.qkv], positions: posBuf.baseAddress!, table: model.rope, N: R, rowStride: QKV,
                           heads: c.numAttentionHeads + c.numKeyValueHeads)
                for (r, row) in rows.enumerated() {
                    let src = A[layout.qkv] + r * QKV + QD
                    (cache.keys(layer: l, slot: row.slot) + row.position * KVD).update(from: src, count: KVD)
                    (cache.values(layer: l, slot: row.slot) + row.position * KVD).update(from: src + KVD, count: KVD)
                }
                let scale = 1 / Float(HS).squareRoot()
                for b in blocks {
                    let context = b.position + b.count
                    let K = cache.keys(layer: l, slot: b.slot), Vc = cache.values(layer: l, slot: b.slot)
                    for h in 0..<c.numAttentionHeads {
                        let q = A[layout.qkv] + b.row * QKV + h * HS, kv = (h / G) * HS
                        let sc = A[layout.scores]
                        Gemm.run(transA: false, transB: true, M: b.count, N: context, K: HS, alpha: scale,
                                 A: q, lda: QKV, B: K + kv, ldb: KVD, beta: 0, C: sc, ldc: context)
                        for i in 0..<b.count { Attention.causalSoftmax(sc + i * context, upTo: b.position + i, width: context) }
                        Gemm.run(transA: false, transB: false, M: b.count, N: HS, K: context, A: sc, lda: context,
                                 B: Vc + kv, ldb: KVD, beta: 0, C: A[layout.atty] + b.row * QD + h * HS, ldc: QD)
                    }
                }
                Matmul.forward(out: A[layout.x], inp: A[layout.atty], weight: W[w.wo], bias: w.bo < 0 ? nil : W[w.bo],
                               N: R, IC: QD, OC: C, accumulate: true)
                RMSNorm.forward(out: A[layout.ln], rstd: A[layout.rstd], inp: A[layout.x], weight: W[w.ln2], N: R, C: C, eps: eps,
                                threads: model.threads)
                Matmul.forward(out: A[layout.gateUp], inp: A[layout.ln], weight: W[w.wgateUp], bias: nil, N: R, IC: C, OC: 2 * F)
                SwiGLU.forward(out: A[layout.hidden], gateUp: A[layout.gateUp], N: R, F: F, threads: model.threads)
                Matmul.forward(out: A[layout.x], inp: A[layout.hidden], weight: W[w.wdown], bias: nil,
                               N: R, IC: F, OC: C, accumulate: true)
            }
        }}
        for (s, b) in blocks.enumerated() {
            (A[layout.last] + s * C).update(from: A[layout.x] + (b.row + b.count - 1) * C, count: C)
        }
        RMSNorm.forward(out: A[layout.lastNorm], rstd: A[layout.lastRstd], inp: A[layout.last], weight: W[L.finalNorm],
                        N: S, C: C, eps: eps, threads: model.threads)
        Matmul.forward(out: A[layout.logits], inp: A[layout.lastNorm], weight: W[L.lmHead], bias: nil, N: S, IC: C, OC: V)
        return A[layout.logits]
    }
}
