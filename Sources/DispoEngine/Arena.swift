// Contiguous float arenas with named views. Parameters, gradients, the two Adam moments and the activations
// each live in one 64-byte-aligned allocation; a view is an offset and a shape into it, so AdamW is one loop
// over the arena and a checkpoint is one write per arena (llm.c's ParameterTensors).
// Dimension legend: V vocab, C hidden, F intermediate, L layers, NH/KVH heads, HS head size,
// QKV = (NH + 2 KVH) * HS.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One zero-initialised, 64-byte-aligned block of `count` floats. Not thread-safe; owned by one model.
/// Blocks of 2 MiB and more are fresh anonymous mappings (already zero), 2 MiB-aligned and asked to be backed
/// by transparent huge pages (Linux `madvise`): the KV cache and the weights are read in long streams every
/// step, and with 4 KiB pages those streams spend much of their time in TLB misses.
public final class Arena {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>
    static let hugePage = 2 << 20
    /// Whether huge arenas ask for transparent huge pages (`DISPO_HUGE_PAGES=0` opts out: on a machine whose
    /// kernel compacts memory synchronously for them, `defrag=madvise`, first touches can stall; measured here
    /// they made prefill ≈ 12% and decode ≈ 6% faster at the Qwen2.5-0.5B shape, docs/BENCHMARKS.md).
    static let hugePages: Bool = {
        guard let value = getenv("DISPO_HUGE_PAGES") else { return true }
        return String(cString: value) != "0"
    }()

    /// Bytes mapped for a huge arena (0: allocated with posix_memalign).
    private let mapped: Int

    public init(count: Int) {
        precondition(count >= 0, "Arena size must be non-negative")
        self.count = count
        var raw: UnsafeMutableRawPointer?
        var bytes = max(count, 1) * MemoryLayout<Float>.stride
        let huge = bytes >= Arena.hugePage
        if huge { bytes = (bytes + Arena.hugePage - 1) / Arena.hugePage * Arena.hugePage }
        #if os(Linux)
        if huge {
            // Fresh anonymous pages are zero: no pass of memset over gigabytes. Mapped one huge page larger, so a
            // 2 MiB-aligned start can be chosen inside.
            let region = mmap(nil, bytes + Arena.hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            precondition(region != MAP_FAILED && region != nil, "out of memory mapping \(bytes) bytes")
            let start = (Int(bitPattern: region) + Arena.hugePage - 1) / Arena.hugePage * Arena.hugePage
            raw = UnsafeMutableRawPointer(bitPattern: start)
            regionStart = region
            mapped = bytes + Arena.hugePage
            if Arena.hugePages { _ = madvise(raw!, bytes, Int32(MADV_HUGEPAGE)) }   // advisory: ignored where THP is off
            // Touch every page now (the kernel zero-fills it): the arena is resident from here on, so memory
            // accounting (MemAvailable, the automatic recomputation) sees it before its first real use.
            for offset in stride(from: 0, to: bytes, by: 4096) { raw!.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self) }
            base = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
            return
        }
        #endif
        precondition(posix_memalign(&raw, huge ? Arena.hugePage : 64, bytes) == 0 && raw != nil,
                     "out of memory allocating \(bytes) bytes")
        memset(raw!, 0, bytes)
        regionStart = nil
        mapped = 0
        base = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    private let regionStart: UnsafeMutableRawPointer?

    deinit {
        if mapped > 0, let regionStart { munmap(regionStart, mapped) } else { free(base) }
    }

    public subscript(offset: Int) -> UnsafeMutablePointer<Float> { base + offset }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
    public func zero() { memset(base, 0, count * MemoryLayout<Float>.stride) }
    public func copy(from other: Arena) {
        precondition(other.count == count, "arena sizes differ: \(other.count) vs \(count)")
        memcpy(base, other.base, count * MemoryLayout<Float>.stride)
    }
}

/// A named tensor inside the parameter arena, with its Hugging Face name and shape.
public struct TensorView: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// Offsets of one layer's parameters. q, k, v weights are adjacent, forming one (QKV, C) matrix, and so are
/// their biases (QKV); gate and up weights form one (2F, C) matrix. Absent biases have offset -1.
public struct LayerOffsets: Sendable {
    public var ln1: Int      // (C)
    public var wqkv: Int     // (QKV, C) = q_proj (NH*HS, C) ‖ k_proj (KVH*HS, C) ‖ v_proj (KVH*HS, C)
    public var bqkv: Int     // (QKV) or -1
    public var wo: Int       // (C, NH*HS)
    public var bo: Int       // (C) or -1
    public var qNorm: Int    // (HS) or -1 (qwen3)
    public var kNorm: Int    // (HS) or -1 (qwen3)
    public var ln2: Int      // (C)
    public var wgateUp: Int  // (2F, C) = gate_proj (F, C) ‖ up_proj (F, C)
    public var wdown: Int    // (C, F)
}

/// Where every parameter lives in the arena, in HF naming. The same layout indexes gradients and moments.
public struct ParameterLayout: Sendable {
    public let config: ModelConfig
    public private(set) var tensors: [TensorView] = []
    public private(set) var layers: [LayerOffsets] = []
    public private(set) var embedding = 0   // (V, C)
    public private(set) var finalNorm = 0   // (C)
    public private(set) var lmHead = 0      // (V, C); equals `embedding` when tied
    public private(set) var count = 0

    public init(config: ModelConfig) {
        self.config = config
        let C = config.hiddenSize, V = config.vocabSize, F = config.intermediateSize
        let qd = config.queryDim, kvd = config.keyValueDim
        embedding = add("model.embed_tokens.weight", [V, C])
        for l in 0..<config.numHiddenLayers {
            let p = "model.layers.\(l)."
            let ln1 = add(p + "input_layernorm.weight", [C])
            let wq = add(p + "self_attn.q_proj.weight", [qd, C])
            _ = add(p + "self_attn.k_proj.weight", [kvd, C])
            _ = add(p + "self_attn.v_proj.weight", [kvd, C])
            var bq = -1
            if config.qkvBias {
                bq = add(p + "self_attn.q_proj.bias", [qd])
                _ = add(p + "self_attn.k_proj.bias", [kvd])
                _ = add(p + "self_attn.v_proj.bias", [kvd])
            }
            let wo = add(p + "self_attn.o_proj.weight", [C, qd])
            let bo = config.outputBias ? add(p + "self_attn.o_proj.bias", [C]) : -1
            let qn = config.qkNorm ? add(p + "self_attn.q_norm.weight", [config.headDim]) : -1
            let kn = config.qkNorm ? add(p + "self_attn.k_norm.weight", [config.headDim]) : -1
            let ln2 = add(p + "post_attention_layernorm.weight", [C])
            let wg = add(p + "mlp.gate_proj.weight", [F, C])
            _ = add(p + "mlp.up_proj.weight", [F, C])
            let wd = add(p + "mlp.down_proj.weight", [C, F])
            layers.append(LayerOffsets(ln1: ln1, wqkv: wq, bqkv: bq, wo: wo, bo: bo, qNorm: qn, kNorm: kn, ln2: ln2,
                                       wgateUp: wg, wdown: wd))
        }
        finalNorm = add("model.norm.weight", [C])
        lmHead = config.tieWordEmbeddings ? embedding : add("lm_head.weight", [V, C])
    }

    private mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let view = TensorView(name: name, shape: shape, offset: count)
        tensors.append(view)
        count += view.count
        return view.offset
    }

    public func tensor(named name: String) -> TensorView? { tensors.first { $0.name == name } }

    /// True for norm weights and biases (1-D tensors), which AdamW may exempt from weight decay.
    public static func isOneDimensional(_ view: TensorView) -> Bool { view.shape.count == 1 }
}
