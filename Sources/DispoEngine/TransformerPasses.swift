// Forward and backward passes of `Transformer`, side by side: the backward walks the forward's layer list
// in reverse. Activations come from the `ActivationLayout` of the batch shape; parameter and gradient
// pointers from the `ParameterLayout`. Padding rows carry zeros forward and no gradient backward.
// Dimension legend: B batch, T time, N = B·T, C hidden, F intermediate, V vocab, L layers, NH/KVH heads,
// HS head size, QKV = (NH + 2·KVH)·HS, QD = NH·HS.

extension Transformer {
    /// Runs the model on `batch`; returns log π(target) and H(π) per position for π = softmax(logits / τ).
    /// Saves what backward needs; the next `backward` call consumes it.
    public func forward(_ batch: TokenBatch, temperature: Float = 1) throws -> TokenScores {
        guard temperature > 0, temperature.isFinite else { throw EngineError.invalidBatch("temperature must be > 0, got \(temperature)") }
        try prepare(batch)
        self.temperature = temperature
        let a = acts!, A = activations!, W = parameters, L = layout
        let B = batch.B, T = batch.T, N = B * T
        let C = config.hiddenSize, F = config.intermediateSize, V = config.vocabSize
        let QKV = config.qkvDim, QD = config.queryDim, eps = Float(config.rmsNormEps)
        let shape = AttentionShape(B: B, T: T, NH: config.numAttentionHeads, KVH: config.numKeyValueHeads, HS: config.headDim)
        let naive = useNaiveKernels, th = threads
        ids.withUnsafeBufferPointer { idsBuf in
        positions.withUnsafeBufferPointer { posBuf in
        lengths.withUnsafeBufferPointer { lenBuf in
        targets.withUnsafeBufferPointer { tgtBuf in
            Embedding.forward(out: A[a.residual[0]], ids: idsBuf.baseAddress!, table: W[L.embedding], N: N, C: C)
            for l in 0..<config.numHiddenLayers {
                let w = L.layers[l], s = a.layers[l]
                let x = A[a.residual[l]], xNext = A[a.residual[l + 1]]
                RMSNorm.forward(out: A[s.ln1], rstd: A[s.rstd1], inp: x, weight: W[w.ln1], N: N, C: C, eps: eps, threads: th)
                Matmul.forward(out: A[s.qkv], inp: A[s.ln1], weight: W[w.wqkv], bias: w.bqkv < 0 ? nil : W[w.bqkv],
                               N: N, IC: C, OC: QKV, naive: naive)
                if w.qNorm >= 0 {
                    QKNorm.forward(qkv: A[s.qkv], pre: A[s.qkPre], rstd: A[s.qkRstd], qWeight: W[w.qNorm], kWeight: W[w.kNorm],
                                   N: N, NH: shape.NH, KVH: shape.KVH, HS: shape.HS, eps: eps)
                }
                Rope.apply(qkv: A[s.qkv], positions: posBuf.baseAddress!, table: rope, N: N, rowStride: QKV,
                           heads: shape.NH + shape.KVH)
                Attention.forward(out: A[s.atty], logSumExp: A[s.attLse], scratch: A[a.probs], qkv: A[s.qkv], lengths: lenBuf.baseAddress!,
                                  shape: shape, naive: naive, threads: min(th, a.scratchSlots))
                A[s.res2].update(from: x, count: N * C)
                Matmul.forward(out: A[s.res2], inp: A[s.atty], weight: W[w.wo], bias: w.bo < 0 ? nil : W[w.bo],
                               N: N, IC: QD, OC: C, accumulate: true, naive: naive)
                RMSNorm.forward(out: A[s.ln2], rstd: A[s.rstd2], inp: A[s.res2], weight: W[w.ln2], N: N, C: C, eps: eps, threads: th)
                Matmul.forward(out: A[s.gateUp], inp: A[s.ln2], weight: W[w.wgateUp], bias: nil,
                               N: N, IC: C, OC: 2 * F, naive: naive)
                SwiGLU.forward(out: A[s.hidden], gateUp: A[s.gateUp], N: N, F: F, threads: th)
                xNext.update(from: A[s.res2], count: N * C)
                Matmul.forward(out: xNext, inp: A[s.hidden], weight: W[w.wdown], bias: nil,
                               N: N, IC: F, OC: C, accumulate: true, naive: naive)
            }
            RMSNorm.forward(out: A[a.lnf], rstd: A[a.rstdf], inp: A[a.residual[config.numHiddenLayers]],
                            weight: W[L.finalNorm], N: N, C: C, eps: eps, threads: th)
            Matmul.forward(out: A[a.logits], inp: A[a.lnf], weight: W[L.lmHead], bias: nil, N: N, IC: C, OC: V, naive: naive)
            TokenLogProbs.forward(logProbs: A[a.logProbs], entropies: A[a.entropies], logSumExp: A[a.logSumExp],
                                  logits: A[a.logits], targets: tgtBuf.baseAddress!, N: N, V: V, temperature: temperature, threads: th)
        }}}}
        try checkFinite(logProbs: A[a.logProbs], entropies: A[a.entropies], B: B, T: T)
        pendingBackward = true
        return TokenScores(logProbs: Array(UnsafeBufferPointer(start: A[a.logProbs], count: N)),
                           entropies: Array(UnsafeBufferPointer(start: A[a.entropies], count: N)))
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

    /// Adds ∂L/∂θ to `gradients` for L = Σ c·log π + Σ e·H over the last forward's targets; coefficients are
    /// (B, T) like the forward's outputs. Throws if no forward is pending (each forward allows one backward).
    public func backward(logProbCoefficients: [Float], entropyCoefficients: [Float]? = nil) throws {
        guard pendingBackward, let a = acts, let A = activations else { throw EngineError.backwardWithoutForward }
        let N = a.N
        guard logProbCoefficients.count == N, entropyCoefficients.map({ $0.count == N }) ?? true else {
            throw EngineError.sizeMismatch("coefficients need B·T = \(N) entries")
        }
        pendingBackward = false
        let W = parameters, G = gradients, L = layout
        let B = a.B, T = a.T
        let C = config.hiddenSize, F = config.intermediateSize, V = config.vocabSize
        let QKV = config.qkvDim, QD = config.queryDim
        let shape = AttentionShape(B: B, T: T, NH: config.numAttentionHeads, KVH: config.numKeyValueHeads, HS: config.headDim)
        let naive = useNaiveKernels, th = threads
        let entropy = entropyCoefficients ?? []
        ids.withUnsafeBufferPointer { idsBuf in
        positions.withUnsafeBufferPointer { posBuf in
        lengths.withUnsafeBufferPointer { lenBuf in
        targets.withUnsafeBufferPointer { tgtBuf in
        logProbCoefficients.withUnsafeBufferPointer { cBuf in
        entropy.withUnsafeBufferPointer { eBuf in
            TokenLogProbs.backward(logits: A[a.logits], logProbCoefficients: cBuf.baseAddress!,
                                   entropyCoefficients: entropyCoefficients == nil ? nil : eBuf.baseAddress!,
                                   targets: tgtBuf.baseAddress!, logSumExp: A[a.logSumExp], entropies: A[a.entropies],
                                   N: N, V: V, temperature: temperature, threads: th)
            Matmul.backward(dInp: A[a.dLn], dWeight: G[L.lmHead], dBias: nil, dOut: A[a.logits], inp: A[a.lnf],
                            weight: W[L.lmHead], N: N, IC: C, OC: V, naive: naive)
            A[a.dRes].initialize(repeating: 0, count: N * C)
            RMSNorm.backward(dInp: A[a.dRes], dWeight: G[L.finalNorm], dOut: A[a.dLn],
                             inp: A[a.residual[config.numHiddenLayers]], weight: W[L.finalNorm], rstd: A[a.rstdf], N: N, C: C, threads: th)
            for l in (0..<config.numHiddenLayers).reversed() {
                let w = L.layers[l], s = a.layers[l]
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
                                   qkv: A[s.qkv], logSumExp: A[s.attLse], lengths: lenBuf.baseAddress!, shape: shape, naive: naive,
                                   threads: min(th, a.scratchSlots))
                Rope.apply(qkv: A[a.dQKV], positions: posBuf.baseAddress!, table: rope, N: N, rowStride: QKV,
                           heads: shape.NH + shape.KVH, inverse: true)
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
            Embedding.backward(dTable: G[L.embedding], dOut: A[a.dRes], ids: idsBuf.baseAddress!, N: N, C: C)
        }}}}}}
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
        let V = config.vocabSize
        return Array(UnsafeBufferPointer(start: A[a.logits] + (b * a.T + t) * V, count: V))
    }
}
