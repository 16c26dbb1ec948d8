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

    /// The four projections of a layer and the output head.
    enum Projection { case qkv, output, gateUp, down, head }

    /// out (N, OC) = inp · Wᵀ (+ out with `accumulate`) (+ bias) for projection `p` of layer `l`: with `bf16`
    /// (prompt rows of a bf16-prefill generator) the bf16 layer matrices; else the packed weights when there are
    /// any (at prefill's hundreds of rows they match BLAS, and no BLAS threads spin beside the element-wise
    /// threads), else BLAS on the model's arena.
    func project(_ p: Projection, layer l: Int, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int,
                 accumulate: Bool = false, bf16: Bool = false) throws {
        let c = config, C = c.hiddenSize, F = c.intermediateSize
        let (IC, OC): (Int, Int)
        switch p {
        case .qkv: (IC, OC) = (C, c.qkvDim)
        case .output: (IC, OC) = (c.queryDim, C)
        case .gateUp: (IC, OC) = (C, 2 * F)
        case .down: (IC, OC) = (F, C)
        case .head: (IC, OC) = (C, c.vocabSize)
        }
        // The product with the bf16 layer matrices, when this call takes them (returns whether it did).
        func bf16Product(bias: UnsafePointer<Float>?) throws -> Bool {
            guard bf16, p != .head, let b = bf16Prefill else { return false }
            try b.products.forward(b.matrix(p, layer: l), out: out, inp: inp, bias: bias, N: N, accumulate: accumulate, threads: threads)
            return true
        }
        if let packed = weights {
            let d = p == .head ? DecodeWeights.Layer() : packed.layers[l]
            let (offset, bias): (Int, Int)
            switch p {
            case .qkv: (offset, bias) = (d.wqkv, d.bqkv)
            case .output: (offset, bias) = (d.wo, d.bo)
            case .gateUp: (offset, bias) = (d.wgateUp, -1)
            case .down: (offset, bias) = (d.wdown, -1)
            case .head: (offset, bias) = (packed.lmHead, -1)
            }
            if try bf16Product(bias: bias < 0 ? nil : UnsafePointer(packed.vector(bias))) { return }
            packed.linear(offset, out: out, inp: inp, bias: bias, N: N, IC: IC, OC: OC, accumulate: accumulate, threads: threads)
            return
        }
        guard let model = sourceModel else { preconditionFailure("a generator has a model or packed weights") }
        let W = model.parameters, L = model.layout
        let w = p == .head ? LayerOffsets(ln1: 0, wqkv: 0, bqkv: -1, wo: 0, bo: -1, qNorm: -1, kNorm: -1, ln2: 0, wgateUp: 0, wdown: 0)
            : L.layers[l]
        let (weight, bias): (Int, Int)
        switch p {
        case .qkv: (weight, bias) = (w.wqkv, w.bqkv)
        case .output: (weight, bias) = (w.wo, w.bo)
        case .gateUp: (weight, bias) = (w.wgateUp, -1)
        case .down: (weight, bias) = (w.wdown, -1)
        case .head: (weight, bias) = (L.lmHead, -1)
        }
        if try bf16Product(bias: bias < 0 ? nil : UnsafePointer(W[bias])) { return }
        Matmul.forward(out: out, inp: inp, weight: W[weight], bias: bias < 0 ? nil : W[bias], N: N, IC: IC, OC: OC,
                       accumulate: accumulate)
    }

    /// Norm weights and q/k-norm weights of layer `l` (nil for absent ones), from the model or the packed weights.
    func norms(layer l: Int) -> (ln1: UnsafeMutablePointer<Float>, ln2: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>?, k: UnsafeMutablePointer<Float>?) {
        if let model = sourceModel {
            let W = model.parameters, w = model.layout.layers[l]
            return (W[w.ln1], W[w.ln2], w.qNorm < 0 ? nil : W[w.qNorm], w.kNorm < 0 ? nil : W[w.kNorm])
        }
        let d = weights!.layers[l], v = weights!
        return (v.vector(d.ln1), v.vector(d.ln2), d.qNorm < 0 ? nil : v.vector(d.qNorm), d.kNorm < 0 ? nil : v.vector(d.kNorm))
    }

    /// Runs `rows` (grouped by slot, consecutive positions within a slot, slots in increasing order) and returns
    /// logits (S, V) for the last row of each slot, in slot order. Valid until the next call.
    /// With `prefill` (prompt rows) a bf16-prefill generator multiplies the layer matrices in bf16.
    func advance(rows: [(slot: Int, position: Int, token: Int32)], prefill: Bool = false) throws -> UnsafeMutablePointer<Float> {
        let c = config
        let R = rows.count, C = c.hiddenSize, F = c.intermediateSize
        let QKV = c.qkvDim, QD = c.queryDim, KVD = c.keyValueDim, HS = c.headDim, G = c.groupSize
        let eps = Float(c.rmsNormEps), P = cache.capacity, th = threads
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
        rope.reserve(P)
        let bf16 = prefill && bf16Prefill != nil
        try ids.withUnsafeBufferPointer { idBuf in
        try positions.withUnsafeBufferPointer { posBuf in
            // The embedding follows the projections: from the packed weights when there are any.
            if let packed = weights {
                packed.embed(idBuf.baseAddress!, N: R, out: A[layout.x])
            } else if let model = sourceModel {
                Embedding.forward(out: A[layout.x], ids: idBuf.baseAddress!, table: model.parameters[model.layout.embedding], N: R, C: C)
            }
            for l in 0..<c.numHiddenLayers {
                let n = norms(layer: l)
                RMSNorm.forward(out: A[layout.ln], rstd: A[layout.rstd], inp: A[layout.x], weight: n.ln1, N: R, C: C, eps: eps,
                                threads: th)
                try project(.qkv, layer: l, out: A[layout.qkv], inp: A[layout.ln], N: R, bf16: bf16)
                if let q = n.q, let k = n.k {
                    QKNorm.forward(qkv: A[layout.qkv], pre: nil, rstd: nil, qWeight: q, kWeight: k,
                                   N: R, NH: c.numAttentionHeads, KVH: c.numKeyValueHeads, HS: HS, eps: eps)
                }
                Rope.apply(qkv: A[layout.qkv], positions: posBuf.baseAddress!, table: rope, N: R, rowStride: QKV,
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
                try project(.output, layer: l, out: A[layout.x], inp: A[layout.atty], N: R, accumulate: true, bf16: bf16)
                RMSNorm.forward(out: A[layout.ln], rstd: A[layout.rstd], inp: A[layout.x], weight: n.ln2, N: R, C: C, eps: eps,
                                threads: th)
                try project(.gateUp, layer: l, out: A[layout.gateUp], inp: A[layout.ln], N: R, bf16: bf16)
                SwiGLU.forward(out: A[layout.hidden], gateUp: A[layout.gateUp], N: R, F: F, threads: th)
                try project(.down, layer: l, out: A[layout.x], inp: A[layout.hidden], N: R, accumulate: true, bf16: bf16)
            }
        }}
        for (s, b) in blocks.enumerated() {
            (A[layout.last] + s * C).update(from: A[layout.x] + (b.row + b.count - 1) * C, count: C)
        }
        let finalNorm = sourceModel.map { UnsafePointer($0.parameters[$0.layout.finalNorm]) } ?? UnsafePointer(weights!.vector(weights!.finalNorm))
        RMSNorm.forward(out: A[layout.lastNorm], rstd: A[layout.lastRstd], inp: A[layout.last], weight: finalNorm,
                        N: S, C: C, eps: eps, threads: th)
        try project(.head, layer: -1, out: A[layout.logits], inp: A[layout.lastNorm], N: S)
        return A[layout.logits]
    }
}
