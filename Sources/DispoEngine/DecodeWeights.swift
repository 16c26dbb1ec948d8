// A model's weights prepared for decoding: every linear weight packed for few-row products (PackedMatmul) in
// fp32 or bf16, norm weights and biases in fp32, the token embedding read from the packed output head when the
// two are tied (an untied table stays row-major). It is what a Generator needs and nothing more: no gradients,
// no HF layout. Built from a Transformer (and refreshed in place when that model's weights change) or loaded
// straight from a model directory, one tensor at a time.
// Precision: fp32 packing reorders the weights and changes no value; bf16 rounds each weight to nearest even
// (relative error ≤ 2⁻⁹) and computes in fp32.
// Dimension legend: V vocab, C hidden, F intermediate, L layers, QKV = (NH + 2·KVH)·HS, QD = NH·HS.

import DispoSupport

public final class DecodeWeights: @unchecked Sendable {
    public enum Precision: String, Sendable, CaseIterable { case f32, bf16 }

    /// Offsets of one layer: vectors into `vectors` (fp32), matrices into the packed storage (elements).
    struct Layer {
        var ln1 = 0, ln2 = 0, bqkv = -1, bo = -1, qNorm = -1, kNorm = -1   // vectors; -1 when absent
        var wqkv = 0, wo = 0, wgateUp = 0, wdown = 0                      // (QKV, C), (C, QD), (2F, C), (C, F)
    }

    public let config: ModelConfig
    public let precision: Precision
    let vectors: Arena                      // norms and biases, fp32
    let matrices: Arena                     // packed matrices (and an untied embedding), f32 or bf16 elements
    private(set) var layers: [Layer] = []
    private(set) var finalNorm = 0          // (C) in vectors
    private(set) var lmHead = 0             // (V, C) packed
    private(set) var embedding = -1         // (V, C) row-major, -1 when tied (read from lmHead)
    /// Times the weights were replaced in place (`refresh(from:)`), so copies made from them know when to follow.
    public private(set) var generation = 0

    /// Empty storage laid out for `config` (its pages untouched until filled); fill with `refresh(from:)` or
    /// the loader.
    public init(config: ModelConfig, precision: Precision) {
        self.config = config
        self.precision = precision
        let C = config.hiddenSize, F = config.intermediateSize, V = config.vocabSize
        var v = 0, m = 0
        func vector(_ n: Int) -> Int { defer { v += (n + 15) & ~15 }; return v }
        func matrix(_ n: Int) -> Int { defer { m += (n + 31) & ~31 }; return m }
        for _ in 0..<config.numHiddenLayers {
            var l = Layer()
            l.ln1 = vector(C); l.ln2 = vector(C)
            if config.qkvBias { l.bqkv = vector(config.qkvDim) }
            if config.outputBias { l.bo = vector(C) }
            if config.qkNorm { l.qNorm = vector(config.headDim); l.kNorm = vector(config.headDim) }
            l.wqkv = matrix(config.qkvDim * C); l.wo = matrix(C * config.queryDim)
            l.wgateUp = matrix(2 * F * C); l.wdown = matrix(C * F)
            layers.append(l)
        }
        finalNorm = vector(C)
        lmHead = matrix(V * C)
        if !config.tieWordEmbeddings { embedding = matrix(V * C) }
        vectors = Arena(count: v)
        matrices = Arena(count: precision == .f32 ? m : (m + 1) / 2)
    }

    /// Packs `model`'s current weights.
    public convenience init(model: Transformer, precision: Precision = .f32, threads: Int = 1) {
        self.init(config: model.config, precision: precision)
        refresh(from: model, threads: threads)
    }

    /// Bytes held (vectors and matrices).
    public var bytes: Int { 4 * (vectors.count + matrices.count) }

    /// Floats (4-byte units) these weights need for `config` at `precision`, nil on overflow.
    public static func floats(config: ModelConfig, precision: Precision) -> Int? {
        guard let p = config.checkedParameterCount else { return nil }
        return precision == .f32 ? p : p / 2 + config.hiddenSize * (2 * config.numHiddenLayers + 1)
    }

    /// Re-packs from `model` (same config) in place: call it whenever the model's weights changed and no
    /// Generator is running on these weights.
    public func refresh(from model: Transformer, threads: Int = 1) {
        precondition(model.config == config, "DecodeWeights.refresh: the model's config differs")
        generation += 1
        let W = model.parameters, L = model.layout
        for (l, w) in L.layers.enumerated() {
            let d = layers[l]
            copyVector(W[w.ln1], to: d.ln1, count: config.hiddenSize)
            copyVector(W[w.ln2], to: d.ln2, count: config.hiddenSize)
            if w.bqkv >= 0 { copyVector(W[w.bqkv], to: d.bqkv, count: config.qkvDim) }
            if w.bo >= 0 { copyVector(W[w.bo], to: d.bo, count: config.hiddenSize) }
            if w.qNorm >= 0 { copyVector(W[w.qNorm], to: d.qNorm, count: config.headDim); copyVector(W[w.kNorm], to: d.kNorm, count: config.headDim) }
        }
        copyVector(W[L.finalNorm], to: finalNorm, count: config.hiddenSize)
        let C = config.hiddenSize, F = config.intermediateSize
        var jobs: [(UnsafeMutablePointer<Float>, Int, Int, Int, Bool)] = []   // source, destination, OC, IC, row-major
        for (l, w) in L.layers.enumerated() {
            let d = layers[l]
            jobs += [(W[w.wqkv], d.wqkv, config.qkvDim, C, false), (W[w.wo], d.wo, C, config.queryDim, false),
                     (W[w.wgateUp], d.wgateUp, 2 * F, C, false), (W[w.wdown], d.wdown, C, F, false)]
        }
        jobs.append((W[L.lmHead], lmHead, config.vocabSize, C, false))
        if embedding >= 0 { jobs.append((W[L.embedding], embedding, config.vocabSize, C, true)) }
        Parallel.chunks(jobs.count, threads: threads) { range in
            for i in range { let j = jobs[i]; store(j.0, at: j.1, OC: j.2, IC: j.3, rowMajor: j.4) }
        }
    }

    func copyVector(_ src: UnsafePointer<Float>, to offset: Int, count: Int) {
        vectors[offset].update(from: src, count: count)
    }

    /// Packs (or, for the untied embedding, copies row-major) one matrix (OC, IC) into the storage at `offset`.
    func store(_ src: UnsafePointer<Float>, at offset: Int, OC: Int, IC: Int, rowMajor: Bool) {
        switch precision {
        case .f32:
            let dst = matrices.base + offset
            if rowMajor { dst.update(from: src, count: OC * IC) } else { PackedMatmul.pack(src, OC: OC, IC: IC, into: dst) { $0 } }
        case .bf16:
            let dst = bf16Base + offset
            if rowMajor { for i in 0..<(OC * IC) { dst[i] = BFloat16(src[i]) } }
            else { PackedMatmul.pack(src, OC: OC, IC: IC, into: dst) { BFloat16($0) } }
        }
    }

    var bf16Base: UnsafeMutablePointer<BFloat16> {
        UnsafeMutableRawPointer(matrices.base).assumingMemoryBound(to: BFloat16.self)
    }

    /// out (N, OC) = inp (N, IC) · Wᵀ (+ out with `accumulate`) (+ bias) for the packed matrix at `offset`.
    func linear(_ offset: Int, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, bias: Int, N: Int, IC: Int, OC: Int,
                accumulate: Bool = false, threads: Int) {
        let b: UnsafePointer<Float>? = bias < 0 ? nil : UnsafePointer(vectors[bias])
        switch precision {
        case .f32:
            PackedMatmul.forward(out: out, inp: inp, weight: UnsafePointer(matrices.base + offset), bias: b, N: N, IC: IC, OC: OC,
                                 accumulate: accumulate, threads: threads)
        case .bf16:
            PackedMatmul.forward(out: out, inp: inp, weight: UnsafePointer(bf16Base + offset), bias: b, N: N, IC: IC, OC: OC,
                                 accumulate: accumulate, threads: threads)
        }
    }

    /// out (N, C) = embedding rows of `ids` (all in 0..<V), from the row-major table or the packed output head.
    func embed(_ ids: UnsafePointer<Int32>, N: Int, out: UnsafeMutablePointer<Float>) {
        let C = config.hiddenSize, V = config.vocabSize
        for n in 0..<N {
            let id = Int(ids[n]), row = out + n * C
            switch (precision, embedding >= 0) {
            case (.f32, true): row.update(from: matrices.base + embedding + id * C, count: C)
            case (.bf16, true): for k in 0..<C { row[k] = bf16Base[embedding + id * C + k].float }
            case (.f32, false):
                let w = UnsafePointer(matrices.base + lmHead)
                for k in 0..<C { row[k] = PackedMatmul.element(w, o: id, k: k, OC: V, IC: C) }
            case (.bf16, false):
                let w = UnsafePointer(bf16Base + lmHead)
                for k in 0..<C { row[k] = PackedMatmul.element(w, o: id, k: k, OC: V, IC: C) }
            }
        }
    }

    func vector(_ offset: Int) -> UnsafeMutablePointer<Float> { vectors[offset] }

    /// Writes the packed matrix at `offset` back to (OC, IC) row-major fp32 (exact: bf16 widens exactly).
    func unpack(_ offset: Int, OC: Int, IC: Int, into dst: UnsafeMutablePointer<Float>) {
        func run<E: PanelElement>(_ w: UnsafePointer<E>) {
            let P = OC / PackedMatmul.width, width = PackedMatmul.width
            for p in 0..<P {
                let panel = w + p * width * IC
                for o in 0..<width {
                    let row = dst + (p * width + o) * IC, slot = E.slot(o)
                    for k in 0..<IC { row[k] = E.float(panel[k * width + slot]) }
                }
            }
            for i in (P * width * IC)..<(OC * IC) { dst[i] = E.float(w[i]) }
        }
        switch precision {
        case .f32: run(UnsafePointer(matrices.base + offset))
        case .bf16: run(UnsafePointer(bf16Base + offset))
        }
    }
}
