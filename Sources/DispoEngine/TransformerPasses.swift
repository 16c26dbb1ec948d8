// Forward and backward passes of `Transformer`, side by side: the backward walks the forward's layer list
// in reverse. Activations come from the `ActivationLayout` of the batch shape; parameter and gradient
// pointers from the `ParameterLayout`. Padding rows carry zeros forward and no gradient backward.
// With recomputation the layers share one set of saved activations: backward re-runs layer l's forward from its
// saved input x_l (the same operations, so the same bits) right before layer l's backward. With a chunked
// output head the logits of `headRows` rows at a time exist: forward keeps each row's log-sum-exp, backward
// recomputes each chunk's logits, turns them into ∂L/∂logits and multiplies them out, chunk by chunk.
// Dimension legend: B batch, T time, N = B·T, C hidden, F intermediate, V vocab, L layers, NH/KVH heads,
// HS head size, QKV = (NH + 2·KVH)·HS, QD = NH·HS.

extension Transformer {
    /// Runs the model on `batch`; returns log π(target) and H(π) per position for π = softmax(logits / τ).
    /// Saves what backward needs; the next `backward` call consumes it.
    public func forward(_ batch: TokenBatch, temperature: Float = 1) throws -> TokenScores {
        guard temperature > 0, temperature.isFinite else { throw EngineError.invalidBatch("temperature must be > 0, got \(temperature)") }
        pendingBackward = false
        try prepare(batch)
        self.temperature = temperature
        let a = acts!, A = activations!, W = parameters, L = layout
        let B = batch.B, T = batch.T, N = B * T, C = config.hiddenSize
        let eps = Float(config.rmsNormEps), th = threads
        ids.withUnsafeBufferPointer { idsBuf in
        positions.withUnsafeBufferPointer { posBuf in
        lengths.withUnsafeBufferPointer { lenBuf in
            Embedding.forward(out: A[a.residual[0]], ids: idsBuf.baseAddress!, table: W[L.embedding], N: N, C: C)
            for l in 0..<config.numHiddenLayers {
                layerForward(l, positions: posBuf.baseAddress!, lengths: lenBuf.baseAddress!)
            }
            RMSNorm.forward(out: A[a.lnf], rstd: A[a.rstdf], inp: A[a.residual[config.numHiddenLayers]],
                            weight: W[L.finalNorm], N: N, C: C, eps: eps, threads: th)
        }}}
        for (n0, n1) in headChunks { headForward(n0, n1) }
        try checkFinite(logProbs: A[a.logProbs], entropies: A[a.entropies], B: B, T: T)
        pendingBackward = true
        return TokenScores(logProbs: Array(UnsafeBufferPointer(start: A[a.logProbs], count: N)),
                           entropies: Array(UnsafeBufferPointer(start: A[a.entropies], count: N)))
    }

    /// Row ranges [n0, n1) of the output head's chunks (one range when the whole micro-batch's logits are kept).
    var headChunks: [(Int, Int)] {
        guard let a = acts else { return [] }
        return stride(from: 0, to: a.N, by: a.headRows).map { ($0, min(a.N, $0 + a.headRows)) }
    }

    /// Layer l of the forward pass: reads x_l = residual[l], writes the layer's saved activations and x_{l+1}.
    func layerForward(_ l: Int, positions: UnsafePointer<Int32>, lengths: UnsafePointer<Int32>) {
        let a = acts!, A = activations!, W = parameters
        let w = layout.layers[l], s = a.layers[l], N = a.N
        let C = config.hiddenSize, F = config.intermediateSize, QKV = config.qkvDim, QD = config.queryDim
        let eps = Float(config.rmsNormEps), naive = useNaiveKernels, th = threads, shape = attentionShape
        let x = A[a.residual[l]], xNext = A[a.residual[l + 1]]
        RMSNorm.forward(out: A[s.ln1], rstd: A[s.rstd1], inp: x, weight: W[w.ln1], N: N, C: C, eps: eps, threads: th)
        Matmul.forward(out: A[s.qkv], inp: A[s.ln1], weight: W[w.wqkv], bias: w.bqkv < 0 ? nil : W[w.bqkv],
                       N: N, IC: C, OC: QKV, naive: naive)
        if w.qNorm >= 0 {
            QKNorm.forward(qkv: A[s.qkv], pre: A[s.qkPre], rstd: A[s.qkRstd], qWeight: W[w.qNorm], kWeight: W[w.kNorm],
                           N: N, NH: shape.NH, KVH: shape.KVH, HS: shape.HS, eps: eps)
        }
        Rope.apply(qkv: A[s.qkv], positions: positions, table: rope, N: N, rowStride: QKV, heads: shape.NH + shape.KVH)
        Attention.forward(out: A[s.atty], logSumExp: A[s.attLse], scratch: A[a.probs], qkv: A[s.qkv], lengths: lengths,
                          shape: shape, naive: naive, threads: min(th, a.scratchSlots))
        A[s.res2].update(from: x, count: N * C)
        Matmul.forward(out: A[s.res2], inp: A[s.atty], weight: W[w.wo], bias: w.bo < 0 ? nil : W[w.bo],
                       N: N, IC: QD, OC: C, accumulate: true, naive: naive)
        RMSNorm.forward(out: A[s.ln2], rstd: A[s.rstd2], inp: A[s.res2], weight: W[w.ln2], N: N, C: C, eps: eps, threads: th)
        Matmul.forward(out: A[s.gateUp], inp: A[s.ln2], weight: W[w.wgateUp], bias: nil, N: N, IC: C, OC: 2 * F, naive: naive)
        SwiGLU.forward(out: A[s.hidden], gateUp: A[s.gateUp], N: N, F: F, threads: th)
        xNext.update(from: A[s.res2], count: N * C)
        Matmul.forward(out: xNext, inp: A[s.hidden], weight: W[w.wdown], bias: nil, N: N, IC: F, OC: C, accumulate: true, naive: naive)
    }

    var attentionShape: AttentionShape {
        AttentionShape(B: acts!.B, T: acts!.T, NH: config.numAttentionHeads, KVH: config.numKeyValueHeads, HS: config.headDim)
    }

    /// Logits of rows [n0, n1) into the logits buffer (the chunk's first row at its start), then their
    /// log-probs, entropies and log-sum-exps.
    func headForward(_ n0: Int, _ n1: Int) {
        let a = acts!, A = activations!, V = config.vocabSize
        headLogits(n0, n1)
        targets.withUnsafeBufferPointer { t in
            TokenLogProbs.forward(logProbs: A[a.logProbs] + n0, entropies: A[a.entropies] + n0, logSumExp: A[a.logSumExp] + n0,
                                  logits: A[a.logits], targets: t.baseAddress! + n0, N: n1 - n0, V: V, temperature: temperature,
                                  threads: threads)
        }
    }

    /// Logits of rows [n0, n1) into the logits buffer, the chunk's first row at its start.
    func headLogits(_ n0: Int, _ n1: Int) {
        let a = acts!, C = config.hiddenSize
        Matmul.forward(out: activations![a.logits], inp: activations![a.lnf] + n0 * C, weight: parameters[layout.lmHead], bias: nil,
                       N: n1 - n0, IC: C, OC: config.vocabSize, naive: useNaiveKernels)
        heldLogits = n0..<n1
    }

    /// Adds ∂L/∂θ to `gradients` for L = Σ c·log π + Σ e·H over the last forward's targets; coefficients are
    /// (B, T) like the forward's outputs. Throws if no forward is pending (each forward allows one backward).
    public func backward(logProbCoefficients: [Float], entropyCoefficients: [Float]? = nil) throws {
        guard pendingBackward, let a = acts, let A = activations else { throw EngineError.backwardWithoutForward }
        let N = a.N
        guard logProbCoefficients.count == N, entropyCoefficients.map({ $0.count == N }) ?? true else {
            throw EngineError.sizeMismatch("coefficients need B·T = \(N) entries")
        }
        pendingBackward = false
        let W = parameters, G = gradients, L = layout, C = config.hiddenSize, th = threads
        let entropy = entropyCoefficients ?? []
        let chunks = headChunks
        A[a.dRes].initialize(repeating: 0, count: N * C)
        logProbCoefficients.withUnsafeBufferPointer { cBuf in
        entropy.withUnsafeBufferPointer { eBuf in
            // Last chunk first: its logits are still in the buffer from forward; the others are recomputed.
            for (n0, n1) in chunks.reversed() {
                if heldLogits != n0..<n1 { headLogits(n0, n1) }
                headBackward(n0, n1, c: cBuf.baseAddress!, e: entropyCoefficients == nil ? nil : eBuf.baseAddress!)
            }
        }}
        ids.withUnsafeBufferPointer { idsBuf in
        positions.withUnsafeBufferPointer { posBuf in
        lengths.withUnsafeBufferPointer { lenBuf in
            RMSNorm.backward(dInp: A[a.dRes], dWeight: G[L.finalNorm], dOut: A[a.dLn],
                             inp: A[a.residual[config.numHiddenLayers]], weight: W[L.finalNorm], rstd: A[a.rstdf], N: N, C: C, threads: th)
            for l in (0..<config.numHiddenLayers).reversed() {
                // Shared slots hold the last layer's activations after forward; every other layer is re-run first.
                if a.recompute && l < config.numHiddenLayers - 1 {
                    layerForward(l, positions: posBuf.baseAddress!, lengths: lenBuf.baseAddress!)
                }
                layerBackward(l, positions: posBuf.baseAddress!, lengths: lenBuf.baseAddress!)
            }
            Embedding.backward(dTable: G[L.embedding], dOut: A[a.dRes], ids: idsBuf.baseAddress!, N: N, C: C)
        }}}
    }

    /// Turns the logits of rows [n0, n1) (in the logits buffer) into ∂L/∂logits and multiplies them out:
    /// dLn rows [n0, n1) = dLogits · W_head, dW_head += dLogitsᵀ · lnf rows.
    func headBackward(_ n0: Int, _ n1: Int, c: UnsafePointer<Float>, e: UnsafePointer<Float>?) {
        let a = acts!, A = activations!, C = config.hiddenSize, V = config.vocabSize
        heldLogits = nil   // the buffer becomes ∂L/∂logits
        targets.withUnsafeBufferPointer { t in
            TokenLogProbs.backward(logits: A[a.logits], logProbCoefficients: c + n0, entropyCoefficients: e.map { $0 + n0 },
                                   targets: t.baseAddress! + n0, logSumExp: A[a.logSumExp] + n0, entropies: A[a.entropies] + n0,
                                   N: n1 - n0, V: V, temperature: temperature, threads: threads)
        }
        Matmul.backward(dInp: A[a.dLn] + n0 * C, dWeight: gradients[layout.lmHead], dBias: nil, dOut: A[a.logits],
                        inp: A[a.lnf] + n0 * C, weight: parameters[layout.lmHead], N: n1 - n0, IC: C, OC: V, naive: useNaiveKernels)
    }

    /// Layer l of the backward pass: dRes holds ∂L/∂x_{l+1} and becomes ∂L/∂x_l; parameter gradients accumulate.
    func layerBackward(_ l: Int, positions: UnsafePointer<Int32>, lengths: UnsafePointer<Int32>) {
        let a = acts!, A = activations!, W = parameters, G = gradients
        let w = layout.layers[l], s = a.layers[l], N = a.N
        let C = config.hiddenSize, F = config.intermediateSize, QKV = config.qkvDim, QD = config.queryDim
        let naive = useNaiveKernels, th = threads, shape = attentionShape
        // x_next = res2 + down(h): dRes flows to res2 unchanged.
        Matmul.backward(dInp: A[a.dHidden], dWeight: G[w.wdown], dBias: nil, dOut: A[a.dRes], inp: A[s.hidden],
                        weight: W[w.wdown], N: N, IC: F, OC: C, naive: naive)
        SwiGLU.backward(dGateUp: A[a.dGateUp], dOut: A[a.dHidden], gateUp: A[s.gateUp], N: N, F: F, threads: th)
        Matmul.backward(dInp: A[a.dLn], dWeight: G[w.wgateUp], dBias: nil, dOut: A[a.dGateUp], inp: A[s.ln2],
                        weight: W[w.wgateUp], N: N, IC: C, OC: 2 * F, naive: naive)
        RMSNorm.backward(dInp: A[a.dRes], dWeight: G[w.ln2], dOut: A[a.dLn], inp: A[s.res2], weight: W[w.ln2],
                         rstd: A[s.rstd2], N: N, C: C, threads: th)
        // res2 = x + o_proj(atty): dRes flows to x unchanged.
        Matmul.backward(dInp: A[a.dAtty], dWeight: G[w.wo], dBias: w.bo < 0 ? nil : G[w.bo], dOut: A[a.dRes],
                        inp: A[s.atty], weight: W[w.wo], N: N, IC: QD, OC: C, naive: naive)
        Attention.backward(dQKV: A[a.dQKV], probs: A[a.probs], dProbs: A[a.dProbs], dOut: A[a.dAtty],
                           qkv: A[s.qkv], logSumExp: A[s.attLse], lengths: lengths, shape: shape, naive: naive,
                           threads: min(th, a.scratchSlots))
        Rope.apply(qkv: A[a.dQKV], positions: positions, table: rope, N: N, rowStride: QKV, heads: shape.NH + shape.KVH, inverse: true)
        if w.qNorm >= 0 {
            QKNorm.backward(dQKV: A[a.dQKV], dQWeight: G[w.qNorm], dKWeight: G[w.kNorm], scratch: A[a.dQKPre],
                            pre: A[s.qkPre], rstd: A[s.qkRstd], qWeight: W[w.qNorm], kWeight: W[w.kNorm],
                            N: N, NH: shape.NH, KVH: shape.KVH, HS: shape.HS)
        }
        Matmul.backward(dInp: A[a.dLn], dWeight: G[w.wqkv], dBias: w.bqkv < 0 ? nil : G[w.bqkv],
                        dOut: A[a.dQKV], inp: A[s.ln1], weight: W[w.wqkv], N: N, IC: C, OC: QKV, naive: naive)
        RMSNorm.backward(dInp: A[a.dRes], dWeight: G[w.ln1], dOut: A[a.dLn], inp: A[a.residual[l]],
                         weight: W[w.ln1], rstd: A[s.rstd1], N: N, C: C, threads: th)
    }

    /// Throws `EngineError.nonFinite` naming the first scored position whose log-prob or entropy is NaN or ±∞
    /// (which happens only when the logits are: the weights or activations diverged).
    func checkFinite(logProbs: UnsafePointer<Float>, entropies: UnsafePointer<Float>, B: Int, T: Int) throws {
        let N = B * T
        guard FastMath.firstNonFinite(logProbs, N) != nil || FastMath.firstNonFinite(entropies, N) != nil else { return }
        for n in 0..<N where targets[n] >= 0 && !(logProbs[n].isFinite && entropies[n].isFinite) {
            throw EngineError.nonFinite("log-prob \(logProbs[n]), entropy \(entropies[n]) at batch row \(n / T), position \(n % T)")
        }
    }

    /// Mean token cross-entropy over all targets of the last forward: coefficient −1/count on every log π.
    /// Returns the loss value.
    @discardableResult
    public func backwardCrossEntropy(scores: TokenScores) throws -> Double {
        let count = targets.filter { $0 >= 0 }.count
        guard count > 0 else { throw EngineError.invalidBatch("no targets to score") }
        var coefficients = [Float](repeating: 0, count: targets.count)
        var loss = 0.0
        for n in 0..<targets.count where targets[n] >= 0 {
            coefficients[n] = -1 / Float(count)
            loss -= Double(scores.logProbs[n])
        }
        try backward(logProbCoefficients: coefficients)
        return loss / Double(count)
    }
}

extension Transformer {
    /// Raw logits (V) at (b, t) of the last forward; valid until the next backward, which overwrites them.
    public func logits(batchIndex b: Int, position t: Int) throws -> [Float] {
        guard pendingBackward, let a = acts, let A = activations else { throw EngineError.backwardWithoutForward }
        guard b >= 0, b < a.B, t >= 0, t < a.T else { throw EngineError.invalidBatch("(\(b), \(t)) outside \(a.B)×\(a.T)") }
        let V = config.vocabSize, n = b * a.T + t
        let held = heldLogits ?? 0..<0
        if !held.contains(n) { headLogits(n, n + 1) }   // chunked: this row's logits (backward recomputes what it needs)
        return Array(UnsafeBufferPointer(start: A[a.logits] + (n - heldLogits!.lowerBound) * V, count: V))
    }
}
