// The decoder-only transformer (Llama / Qwen2 family) for training: forward over a right-padded B×T batch
// returning per-target log-probs and entropies, and backward from per-token coefficients into the gradient
// arena. The forward is a flat list of layer calls; the backward is the same list reversed (llm.c).
//   x = embed(ids)
//   for each layer:  x = x + o_proj(attn(rope(qk_norm(qkv_proj(rmsnorm₁(x))))))   (qk_norm: qwen3 only)
//                    x = x + down_proj(silu(gate_proj(rmsnorm₂(x))) ⊙ up_proj(rmsnorm₂(x)))
//   logits = lm_head(rmsnorm_f(x));  log π = log_softmax(logits / τ)
// Dimension legend: B batch, T time, N = B·T, C hidden, F intermediate, V vocab, L layers, NH/KVH heads,
// HS head size, QKV = (NH + 2·KVH)·HS, QD = NH·HS.
// References: transformers modeling_llama.py / modeling_qwen2.py; llm.c train_gpt2.c.

import DispoSupport

/// A right-padded batch: row b holds `lengths[b]` real tokens, then padding. `targets[b·T + t]` is the token
/// scored at position t (normally tokens[t + 1]); a negative target is not scored (padding, prompt, masked).
public struct TokenBatch: Sendable {
    public var B: Int, T: Int
    public var tokens: [Int32]    // (B, T)
    public var targets: [Int32]   // (B, T)
    public var lengths: [Int32]   // (B)

    public init(B: Int, T: Int, tokens: [Int32], targets: [Int32], lengths: [Int32]) {
        self.B = B; self.T = T; self.tokens = tokens; self.targets = targets; self.lengths = lengths
    }

    /// Pads `sequences` to the longest; position t of sequence b targets token t+1, for t ≥ scoreFrom[b] − 1
    /// (scoreFrom[b] is the first token that is scored, default 1: everything after the first token).
    public init(sequences: [[Int32]], scoreFrom: [Int]? = nil, T: Int? = nil) {
        B = sequences.count
        self.T = T ?? (sequences.map(\.count).max() ?? 0)
        tokens = [Int32](repeating: 0, count: B * self.T)
        targets = [Int32](repeating: -1, count: B * self.T)
        lengths = sequences.map { Int32($0.count) }
        for (b, s) in sequences.enumerated() {
            let start = max(1, scoreFrom?[b] ?? 1)
            for (t, id) in s.enumerated() where t < self.T {
                tokens[b * self.T + t] = id
                if t + 1 < s.count, t + 1 >= start { targets[b * self.T + t] = s[t + 1] }
            }
        }
    }
}

/// Per-target values of one forward pass, (B, T) row-major, 0 where no target.
public struct TokenScores: Sendable {
    public var logProbs: [Float]
    public var entropies: [Float]
}

public enum EngineError: Error, CustomStringConvertible, Equatable {
    case backwardWithoutForward
    case invalidBatch(String)
    case sizeMismatch(String)
    /// A log-prob, entropy or logit that should be a number is NaN or infinite (diverged weights or activations).
    case nonFinite(String)
    /// A requested kernel cannot run in this build or on this CPU (e.g. bf16 prefill without oneDNN).
    case unsupported(String)

    public var description: String {
        switch self {
        case .unsupported(let why): return "unsupported: \(why)"
        case .nonFinite(let what): return "non-finite value: \(what)"
        case .backwardWithoutForward: return "backward called without a preceding forward (each forward allows one backward)"
        case .invalidBatch(let why): return "invalid batch: \(why)"
        case .sizeMismatch(let why): return "size mismatch: \(why)"
        }
    }
}

public final class Transformer {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let parameters: Arena            // (P) all weights, HF order
    private var gradientArena: Arena?
    /// (P) gradients, accumulated until `zeroGradients()`. Allocated (zeroed) on first use, so a model that only
    /// samples or scores never holds P more floats.
    public var gradients: Arena {
        if let g = gradientArena { return g }
        let g = Arena(count: layout.count)
        gradientArena = g
        return g
    }
    /// Whether the gradient arena exists yet.
    public var hasGradients: Bool { gradientArena != nil }
    /// Use the naive reference GEMM instead of BLAS (tests only: slow).
    public var useNaiveKernels = false
    /// Threads for the element-wise layers (norms, SwiGLU, log-softmax); BLAS has its own (`Gemm.setThreads`).
    /// They never run at the same time, so both may equal the cores given to this model.
    public var threads = 1
    var activations: Arena?                 // sized by `ActivationLayout`, grows only
    var acts: ActivationLayout?
    let rope: RopeTable
    // Integer inputs of the last forward, reused across steps.
    var ids: [Int32] = []                   // (N) token or -1 for padding
    var positions: [Int32] = []             // (N) position or -1 for padding
    var targets: [Int32] = []               // (N)
    var lengths: [Int32] = []               // (B)
    var temperature: Float = 1
    var pendingBackward = false
    /// Rows whose logits the logits buffer holds (nil once backward turned them into gradients).
    var heldLogits: Range<Int>?
    /// Recompute each layer's activations in backward from its saved input instead of keeping all layers'
    /// (memory: one layer's activations instead of L; time: about one more forward pass; results: the same
    /// bits). nil: automatic, only when keeping them all would not fit in the available memory.
    public var recomputeActivations: Bool?
    /// Output-head rows whose full-vocabulary logits exist at once (forward keeps log-sum-exps, backward
    /// recomputes each chunk). nil: automatic, the whole micro-batch when its logits fit in
    /// `logitsBudgetFloats`, else chunks of that size.
    public var logitsChunkRows: Int?
    /// Floats of logits the automatic chunking allows at once (1 GiB).
    public static let logitsBudgetFloats = 1 << 28
    /// Whether the last `forward` recomputes activations in backward, and its head rows per chunk.
    public var lastActivationPlan: (recompute: Bool, headRows: Int)? { acts.map { ($0.recompute, $0.headRows) } }

    public init(config: ModelConfig) {
        self.config = config
        layout = ParameterLayout(config: config)
        parameters = Arena(count: layout.count)
        rope = RopeTable(theta: config.ropeTheta, headSize: config.headDim)
    }

    public var parameterCount: Int { layout.count }
    public func zeroGradients() { gradientArena?.zero() }

    /// HF-style random initialisation: linear and embedding weights ~ N(0, initializer_range), biases 0,
    /// norm weights 1. Deterministic in `seed`.
    public func initializeRandom(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let std = config.initializerRange
        for view in layout.tensors {
            let p = parameters[view.offset]
            if view.name.hasSuffix("norm.weight") {
                for i in 0..<view.count { p[i] = 1 }
            } else if view.name.hasSuffix(".bias") {
                for i in 0..<view.count { p[i] = 0 }
            } else {
                var i = 0
                while i < view.count {
                    let (a, b) = Self.gaussianPair(&rng)
                    p[i] = Float(std * a)
                    if i + 1 < view.count { p[i + 1] = Float(std * b) }
                    i += 2
                }
            }
        }
    }

    /// Two independent N(0, 1) draws from two uniforms in (0, 1] (Box–Muller).
    static func gaussianPair(_ rng: inout SplitMix64) -> (Double, Double) {
        let u1 = (Double(rng.next() >> 11) + 1) * 0x1p-53
        let u2 = Double(rng.next() >> 11) * 0x1p-53
        let r = (-2 * _log(u1)).squareRoot(), angle = 2 * Double.pi * u2
        return (r * _cos(angle), r * _sin(angle))
    }

    /// Checks the batch and copies its integer inputs; grows the activation arena when needed.
    func prepare(_ batch: TokenBatch) throws {
        let B = batch.B, T = batch.T, N = B * T
        guard B > 0, T > 0 else { throw EngineError.invalidBatch("B and T must be positive, got \(B)×\(T)") }
        guard batch.tokens.count == N, batch.targets.count == N, batch.lengths.count == B else {
            throw EngineError.invalidBatch("tokens and targets need B·T = \(N) entries and lengths B = \(B); got "
                + "\(batch.tokens.count), \(batch.targets.count), \(batch.lengths.count)")
        }
        ids.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        lengths = batch.lengths
        let V = Int32(config.vocabSize)
        for b in 0..<B {
            let len = Int(batch.lengths[b])
            guard len >= 0, len <= T else { throw EngineError.invalidBatch("lengths[\(b)] = \(len) outside 0...\(T)") }
            for t in 0..<T {
                let id = batch.tokens[b * T + t], target = batch.targets[b * T + t]
                if t < len {
                    guard id >= 0, id < V else { throw EngineError.invalidBatch("token \(id) at (\(b), \(t)) outside vocab 0..<\(V)") }
                    guard target < V else { throw EngineError.invalidBatch("target \(target) at (\(b), \(t)) outside vocab") }
                    ids.append(id); positions.append(Int32(t)); targets.append(target)
                } else {
                    ids.append(-1); positions.append(-1); targets.append(-1)
                }
            }
        }
        let layoutNeeded = try activationLayout(B: B, T: T)
        if activations == nil || activations!.count < layoutNeeded.count {
            activations = nil
            activations = Arena(count: layoutNeeded.count)
        }
        acts = layoutNeeded
        heldLogits = nil
        rope.reserve(T)
    }

    /// The activation layout of a B×T batch under `recomputeActivations` and `logitsChunkRows`. Automatic
    /// recomputation: when the activations kept for every layer, plus the gradient arena if it is not allocated
    /// yet, would leave less than max(4 GiB, a tenth of physical memory) of the available memory for everything
    /// else (a sampler, caches, the system). Throws when even the recomputing layout cannot fit.
    func activationLayout(B: Int, T: Int) throws -> ActivationLayout {
        let N = B * T, V = config.vocabSize
        let headRows = max(1, min(N, logitsChunkRows ?? max(1, Self.logitsBudgetFloats / max(1, V))))
        let slots = max(1, threads), held = activations?.count ?? 0
        let reserve = max(4 << 30, MemoryBudget.physicalBytes / 10)
        let spare = (MemoryBudget.availableBytes - reserve) / 4 + held
        let pending = hasGradients ? 0 : layout.count
        var recompute = recomputeActivations ?? false
        if recomputeActivations == nil {
            let keepAll = ActivationLayout(config: config, B: B, T: T, scratchSlots: slots, headRows: headRows)
            recompute = keepAll.count + pending > spare
        }
        let chosen = ActivationLayout(config: config, B: B, T: T, scratchSlots: slots, recompute: recompute, headRows: headRows)
        if chosen.count + pending > spare + reserve / 4 {
            throw EngineError.invalidBatch("a micro-batch of \(B) × \(T) tokens needs \(MemoryBudget.describe(bytes: 4 * (chosen.count + pending))) "
                                           + "of activations\(pending > 0 ? " and gradients" : ""), more than is available: use smaller micro-batches")
        }
        return chosen
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Darwin.sin(x) }
#endif
