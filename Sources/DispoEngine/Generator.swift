// Batched incremental decoding with a KV cache. One `advance` call runs the model on a set of new rows, each
// (slot, position, token); rows of one slot are consecutive positions. Prefill passes the prompt rows in chunks
// of at most `prefillRows`, each decode step one row per live sequence: the same code path. For every layer the new rows' keys
// and values go into the cache first, then each slot's block of queries attends to cache rows 0...position.
// Only the last row of each slot gets logits. Sequences that stop leave the batch; the others go on.
// Dimension legend: R rows this call, S slots, C hidden, F intermediate, V vocab, NH/KVH heads, HS head size,
// QKV = (NH + 2·KVH)·HS, QD = NH·HS, KVD = KVH·HS, P cache capacity.

import DispoSupport
import Dispatch

public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var key: SampleKey
    public init(prompt: [Int32], key: SampleKey) { self.prompt = prompt; self.key = key }
}

public struct GenerationResult: Sendable, Equatable {
    public enum FinishReason: String, Sendable { case stop, length }
    public var tokens: [Int32]        // new tokens, the stop token included
    public var logProbs: [Float]      // per new token, under softmax(logits / τ)
    public var finishReason: FinishReason
    public init(tokens: [Int32], logProbs: [Float], finishReason: FinishReason) {
        self.tokens = tokens; self.logProbs = logProbs; self.finishReason = finishReason
    }
}

/// Which kernels a Generator multiplies the weights with.
public enum DecodeKernel: Sendable, Equatable {
    /// OpenBLAS on the model's fp32 arena (sgemv at one row, output-channel slices at 2–64 rows).
    case blas
    /// Packed weights (`DecodeWeights`) for every product of the weights.
    case packed(DecodeWeights.Precision)

    /// Models with fewer parameters than this decode with BLAS by default.
    public static let packedFromParameters = 16_000_000

    /// The default: packed fp32 for models of at least `packedFromParameters` parameters (real models, where
    /// it is faster at every batch size measured), BLAS below (the tiny models keep their exact results).
    public static func automatic(for config: ModelConfig) -> DecodeKernel {
        (config.checkedParameterCount ?? 0) >= packedFromParameters ? .packed(.f32) : .blas
    }
}

public final class Generator {
    /// The model whose weights are sampled from. A generator made with `init(weights:...)` has none (see
    /// `weights`, `hasModel`); asking it for one is a programming error.
    public var model: Transformer {
        guard let sourceModel else { preconditionFailure("a Generator over DecodeWeights has no Transformer; use `weights`") }
        return sourceModel
    }
    public var hasModel: Bool { sourceModel != nil }
    let sourceModel: Transformer?
    public let config: ModelConfig
    public let cache: KVCache
    /// Packed weights used for decode steps; for a generator over a model they are re-packed whenever the
    /// model's weights changed since the last `generate` (checked by an XXH64 of the parameter arena).
    public private(set) var weights: DecodeWeights?
    private var packedFingerprint: UInt64?
    /// Threads of a generator without a model (with one, the model's `threads`).
    public var ownThreads = 1
    let rope: RopeTable
    var work: Arena?                  // inference activations, grown on demand
    var prefillLogits: Arena?         // (S, V) logits after each prompt
    /// At most this many prompt tokens go through the model at once, bounding the work arena.
    public var prefillRows = 2048
    /// Seconds spent in the last `generate` call: prefill (prompts through the model, first logits) and the
    /// decode steps after it, with the number of decode rows (one per sequence per step).
    public private(set) var lastTimings = GenerationTimings()

    /// Floats a generator of `slots` × `capacity` needs beyond the weights (KV cache, work arena, prefill
    /// logits), nil when the size overflows.
    public static func workingFloats(config c: ModelConfig, slots: Int, capacity: Int, prefillRows: Int = 2048) -> Int? {
        let rows = min(prefillRows, MemoryBudget.product([slots, capacity]) ?? Int.max)
        guard slots > 0, capacity > 0,
              let cache = MemoryBudget.product([2, c.numHiddenLayers, slots, capacity, c.keyValueDim]),
              let rowWidth = MemoryBudget.sum([3 * c.hiddenSize, c.qkvDim, c.queryDim, 3 * c.intermediateSize]),
              let rowsWork = MemoryBudget.product([rows, rowWidth]),
              let scores = MemoryBudget.product([rows, capacity]),
              let logits = MemoryBudget.product([2, slots, c.vocabSize]) else { return nil }
        return MemoryBudget.sum([cache, rowsWork, scores, logits])
    }

    /// Throws unless a generator of `slots` sequences of `capacity` tokens fits in the available memory (sizes
    /// from input, such as --n or --max-new-tokens, are checked before anything is allocated).
    public static func checkMemory(config: ModelConfig, slots: Int, capacity: Int, source: String = "sampling settings") throws {
        guard slots >= 1, capacity >= 1 else {
            throw EngineError.invalidBatch("\(source): slots and capacity must be at least 1, got \(slots) and \(capacity)")
        }
        do {
            try MemoryBudget.require(floats: workingFloats(config: config, slots: slots, capacity: capacity),
                                     what: "a KV cache of \(slots) sequences × \(capacity) tokens", file: source)
        } catch let error as InputError {
            throw EngineError.invalidBatch(error.description)
        }
    }

    /// Up to `slots` sequences at once, each at most `capacity` tokens (prompt + new), decoding with
    /// `kernel` (default: `DecodeKernel.automatic`).
    public init(model: Transformer, slots: Int, capacity: Int, kernel: DecodeKernel? = nil) {
        sourceModel = model
        config = model.config
        rope = model.rope
        cache = KVCache(config: model.config, slots: slots, capacity: capacity)
        if case .packed(let precision) = kernel ?? .automatic(for: model.config) {
            weights = DecodeWeights(config: model.config, precision: precision)
        }
    }

    /// A generator over packed weights alone (no fp32 arena): every product uses the packed kernels.
    public init(weights: DecodeWeights, slots: Int, capacity: Int, threads: Int = 1) {
        sourceModel = nil
        config = weights.config
        self.weights = weights
        ownThreads = threads
        rope = RopeTable(theta: weights.config.ropeTheta, headSize: weights.config.headDim)
        cache = KVCache(config: weights.config, slots: slots, capacity: capacity)
    }

    var threads: Int { sourceModel?.threads ?? ownThreads }

    /// The generator `dispo sample` uses for a model directory, with the kernel `DecodeKernel.automatic` picks:
    /// from `packedFromParameters` parameters, fp32 decode weights loaded straight from the directory (no fp32
    /// parameter arena: half the memory, and the same results as `init(model:)`'s packed kernel); below, the
    /// fp32 model on BLAS.
    public static func load(directory: String, slots: Int, capacity: Int, threads: Int) throws -> Generator {
        let config = try ModelConfig.load(path: directory + "/config.json")
        if case .packed(let precision) = DecodeKernel.automatic(for: config) {
            return Generator(weights: try DecodeWeights.load(directory: directory, precision: precision), slots: slots,
                             capacity: capacity, threads: threads)
        }
        let model = try Transformer.load(directory: directory)
        model.threads = threads
        return Generator(model: model, slots: slots, capacity: capacity)
    }

    /// Which products prompt tokens run through (decode steps always use fp32); set with `usePrefillPrecision`.
    public private(set) var prefillPrecision = PrefillPrecision.f32
    /// The bf16 layer matrices of `PrefillPrecision.bf16`.
    var bf16Prefill: PrefillBF16Weights?

    /// Runs prompt tokens through fp32 products (the default, exact) or bf16 ones (`PrefillPrecision.bf16`:
    /// about twice the prefill speed on a CPU with AVX512-BF16, and a bf16 copy of the layer matrices, 2 bytes
    /// per parameter). bf16 changes results: the logits after a prompt move by a relative Frobenius error of
    /// about 1% (tested ≤ 1.5% on a 3-layer model, measured 0.65% there and 1.4% at the Qwen2.5-0.5B shape,
    /// whose largest single error was 7% of the logits' root-mean-square), so sampled tokens may differ.
    /// Throws `EngineError.unsupported` when this build or CPU cannot run bf16 products.
    public func usePrefillPrecision(_ precision: PrefillPrecision) throws {
        switch precision {
        case .f32:
            bf16Prefill = nil
        case .bf16:
            if bf16Prefill == nil {
                if let why = precision.unavailability { throw EngineError.unsupported(why) }
                bf16Prefill = try PrefillBF16Weights(config: config)
            }
        }
        prefillPrecision = precision
    }

    /// Bytes of the bf16 prefill copy (0 with fp32 prefill).
    public var prefillWeightBytes: Int { bf16Prefill?.bytes ?? 0 }

    /// Re-packs (and re-converts for bf16 prefill) the weights when they changed since they were last packed.
    func refreshPackedWeights() throws {
        if let model = sourceModel {
            guard weights != nil || bf16Prefill != nil else { return }
            let fingerprint = XXH64.hash(UnsafeRawBufferPointer(start: model.parameters.base, count: model.parameters.count * 4))
            if let weights, fingerprint != packedFingerprint {
                weights.refresh(from: model, threads: model.threads)
                packedFingerprint = fingerprint
            }
            try bf16Prefill?.follow(model, fingerprint: fingerprint, threads: model.threads)
        } else if let weights, let bf16Prefill {
            try bf16Prefill.follow(weights, threads: threads)
        }
    }

    /// Generates for every request (in groups of at most `slots`); results in request order.
    public func generate(_ requests: [GenerationRequest], parameters: SamplingParameters) throws -> [GenerationResult] {
        var sampler = TokenSampler(parameters: parameters)
        return try generate(requests, parameters: parameters, sampler: &sampler)
    }

    /// The same with a custom sampler; `parameters` then only supply maxNewTokens and stopTokens.
    public func generate(_ requests: [GenerationRequest], parameters: SamplingParameters,
                         sampler: inout some Sampler) throws -> [GenerationResult] {
        try refreshPackedWeights()
        lastTimings = GenerationTimings()
        var results: [GenerationResult] = []
        var start = 0
        while start < requests.count {
            let group = Array(requests[start..<min(requests.count, start + cache.slots)])
            results += try generateGroup(group, parameters: parameters, sampler: &sampler)
            start += group.count
        }
        return results
    }

    func generateGroup(_ requests: [GenerationRequest], parameters p: SamplingParameters,
                       sampler: inout some Sampler) throws -> [GenerationResult] {
        let V = Int32(config.vocabSize)
        for (i, r) in requests.enumerated() {
            guard !r.prompt.isEmpty, r.prompt.allSatisfy({ $0 >= 0 && $0 < V }) else {
                throw EngineError.invalidBatch("prompt \(i): needs at least one token, all in 0..<\(V)")
            }
            guard r.prompt.count + p.maxNewTokens <= cache.capacity else {
                throw EngineError.invalidBatch("prompt \(i): \(r.prompt.count) + \(p.maxNewTokens) new tokens exceed the cache "
                                               + "capacity \(cache.capacity)")
            }
        }
        var rngs = requests.map { SplitMix64(seed: $0.key.seed) }
        var results = requests.map { _ in GenerationResult(tokens: [], logProbs: [], finishReason: .length) }
        var lengths = requests.map(\.prompt.count)          // tokens in the cache after this step, per slot
        var live = Array(requests.indices)
        guard p.maxNewTokens > 0 else { return results }
        let start = wallClock()
        var logits = try prefill(requests)                  // (live, V) in slot order of `live`
        lastTimings.prefill += wallClock() - start
        lastTimings.promptTokens += requests.reduce(0) { $0 + $1.prompt.count }
        var rows: [(slot: Int, position: Int, token: Int32)] = []
        while true {
            var next: [Int] = []
            rows.removeAll(keepingCapacity: true)
            for (i, s) in live.enumerated() {
                let (token, logProb) = sampler.pick(logits: logits + i * Int(V), V: Int(V), rng: &rngs[s])
                guard logProb.isFinite else {
                    throw EngineError.nonFinite("log-prob \(logProb) of request \(s) at new token \(results[s].tokens.count + 1): "
                                                + "the logits are not finite (diverged weights or activations)")
                }
                results[s].tokens.append(token)
                results[s].logProbs.append(logProb)
                if p.stopTokens.contains(token) {
                    results[s].finishReason = .stop
                } else if results[s].tokens.count < p.maxNewTokens {
                    rows.append((s, lengths[s], token))
                    lengths[s] += 1
                    next.append(s)
                }
            }
            live = next
            if live.isEmpty { break }
            let step = wallClock()
            logits = try advance(rows: rows)
            lastTimings.decode += wallClock() - step
            lastTimings.decodeRows += rows.count
        }
        return results
    }

    /// The logits (prompts.count × V, row-major) after each prompt's last token, computed as `generate`'s
    /// prefill computes them (in `prefillPrecision`); at most `cache.slots` prompts.
    public func promptLogits(_ prompts: [[Int32]]) throws -> [Float] {
        guard prompts.count <= cache.slots else { throw EngineError.invalidBatch("\(prompts.count) prompts for \(cache.slots) slots") }
        let V = Int32(config.vocabSize)
        for (i, p) in prompts.enumerated() {
            guard !p.isEmpty, p.count <= cache.capacity, p.allSatisfy({ $0 >= 0 && $0 < V }) else {
                throw EngineError.invalidBatch("prompt \(i): needs 1...\(cache.capacity) tokens, all in 0..<\(V)")
            }
        }
        try refreshPackedWeights()
        let out = try prefill(prompts.map { GenerationRequest(prompt: $0, key: SampleKey(runSeed: 0, prompt: 0)) })
        return Array(UnsafeBufferPointer(start: out, count: prompts.count * config.vocabSize))
    }

    /// Runs every prompt through the model in chunks of at most `prefillRows` rows (a prompt may span chunks:
    /// its earlier positions are already in the cache) and returns the logits (S, V) after each prompt's last
    /// token, in slot order.
    func prefill(_ requests: [GenerationRequest]) throws -> UnsafeMutablePointer<Float> {
        let V = config.vocabSize, S = requests.count
        if prefillLogits == nil || prefillLogits!.count < S * V { prefillLogits = nil; prefillLogits = Arena(count: S * V) }
        let out = prefillLogits!
        var rows: [(slot: Int, position: Int, token: Int32)] = []
        func flush() throws {
            guard !rows.isEmpty else { return }
            let logits = try advance(rows: rows, prefill: true)
            var block = -1, previous = -1
            for (r, row) in rows.enumerated() {
                if row.slot != previous { block += 1; previous = row.slot }
                let isLastOfSlot = r + 1 == rows.count || rows[r + 1].slot != row.slot
                if isLastOfSlot && row.position == requests[row.slot].prompt.count - 1 {
                    (out[row.slot * V]).update(from: logits + block * V, count: V)
                }
            }
            rows.removeAll(keepingCapacity: true)
        }
        for (s, r) in requests.enumerated() {
            for (t, id) in r.prompt.enumerated() {
                rows.append((s, t, id))
                if rows.count == prefillRows { try flush() }
            }
        }
        try flush()
        return out.base
    }
}

/// Where the time of `Generator.generate` went (summed over its groups of slots). Sampling (choosing tokens
/// from logits) is counted in neither part.
public struct GenerationTimings: Sendable, Equatable {
    /// Seconds running prompts through the model up to the first logits of each sequence.
    public var prefill = 0.0
    public var promptTokens = 0
    /// Seconds of the decode steps (each feeding one new token per live sequence).
    public var decode = 0.0
    public var decodeRows = 0
}

/// Monotonic seconds.
func wallClock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
