// The activation arena of one micro-batch shape: everything the forward pass saves for backward, plus the
// backward pass's scratch, as offsets into one allocation that is reused across steps (it only grows).
// Memory in floats, N = B·T:  N·C·(L+1) residuals + L·N·(4C + QKV + QD + 3F + 2 + NH) (one layer's worth with
//   recomputation) + N·(2C + 5) + R·V final (R = head rows kept at once, N by default)
//   + N·(2C + QKV + QD + 3F) + 2T²·threads scratch
//   (+ L·N·(QD + KVD + NH + KVH) + N·(QD + KVD) with Qwen3's q/k norm).
// Dimension legend: B batch, T time, N = B·T, C hidden, F intermediate, V vocab, L layers, NH heads,
// QKV = (NH + 2·KVH)·HS, QD = NH·HS, KVD = KVH·HS.

public struct ActivationLayout: Sendable {
    public struct Layer: Sendable {
        public var ln1 = 0, rstd1 = 0        // (N, C), (N)
        public var qkv = 0                   // (N, QKV) after rope
        public var qkPre = 0                 // (N, QD + KVD) q and k before the per-head norm (qwen3)
        public var qkRstd = 0                // (N, NH + KVH) their rstd (qwen3)
        public var atty = 0                  // (N, QD) attention output before o_proj
        public var attLse = 0                // (B, NH, T) log-sum-exp of each attention score row
        public var res2 = 0                  // (N, C) residual after attention
        public var ln2 = 0, rstd2 = 0        // (N, C), (N)
        public var gateUp = 0                // (N, 2F)
        public var hidden = 0                // (N, F) silu(gate) ⊙ up
    }
    public let B: Int, T: Int
    public let scratchSlots: Int
    /// Every layer shares one set of saved activations (backward recomputes them layer by layer).
    public let recompute: Bool
    /// Output-head rows whose logits exist at once.
    public let headRows: Int
    public var N: Int { B * T }
    public private(set) var residual: [Int] = []   // L+1 × (N, C): input of layer l; [L] feeds the final norm
    public private(set) var layers: [Layer] = []
    public private(set) var lnf = 0, rstdf = 0     // (N, C), (N)
    public private(set) var logits = 0             // (headRows, V); overwritten by ∂L/∂logits in backward
    public private(set) var logSumExp = 0          // (N)
    public private(set) var logProbs = 0           // (N)
    public private(set) var entropies = 0          // (N)
    // Backward scratch, shared by all layers.
    public private(set) var dRes = 0               // (N, C)
    public private(set) var dLn = 0                // (N, C)
    public private(set) var dQKV = 0               // (N, QKV)
    public private(set) var dQKPre = 0             // (N, QD + KVD) (qwen3)
    public private(set) var dAtty = 0              // (N, QD)
    public private(set) var probs = 0              // (slots, T, T) attention probabilities of one head per thread
    public private(set) var dProbs = 0             // (slots, T, T)
    public private(set) var dGateUp = 0            // (N, 2F)
    public private(set) var dHidden = 0            // (N, F)
    public private(set) var count = 0

    /// `scratchSlots`: how many threads run attention at once, each with its own (T, T) probs and dProbs.
    /// `recompute`: one set of layer activations shared by all layers; `headRows`: logits rows kept at once
    /// (default: all N).
    public init(config: ModelConfig, B: Int, T: Int, scratchSlots: Int = 1, recompute: Bool = false, headRows: Int? = nil) {
        self.scratchSlots = max(1, scratchSlots)
        self.B = B
        self.T = T
        self.recompute = recompute
        let N = B * T, C = config.hiddenSize, F = config.intermediateSize, V = config.vocabSize
        self.headRows = max(1, min(N, headRows ?? N))
        let QKV = config.qkvDim, QD = config.queryDim, NH = config.numAttentionHeads
        let QK = config.qkNorm ? QD + config.keyValueDim : 0, QKH = config.qkNorm ? NH + config.numKeyValueHeads : 0
        for _ in 0...config.numHiddenLayers { residual.append(take(N * C)) }
        for l in 0..<config.numHiddenLayers {
            if recompute && l > 0 { layers.append(layers[0]); continue }
            var l = Layer()
            l.ln1 = take(N * C); l.rstd1 = take(N)
            l.qkv = take(N * QKV); l.qkPre = take(N * QK); l.qkRstd = take(N * QKH); l.atty = take(N * QD); l.attLse = take(B * NH * T)
            l.res2 = take(N * C); l.ln2 = take(N * C); l.rstd2 = take(N)
            l.gateUp = take(N * 2 * F); l.hidden = take(N * F)
            layers.append(l)
        }
        lnf = take(N * C); rstdf = take(N); logits = take(self.headRows * V)
        logSumExp = take(N); logProbs = take(N); entropies = take(N)
        dRes = take(N * C); dLn = take(N * C); dQKV = take(N * QKV); dQKPre = take(N * QK); dAtty = take(N * QD)
        probs = take(self.scratchSlots * T * T); dProbs = take(self.scratchSlots * T * T); dGateUp = take(N * 2 * F); dHidden = take(N * F)
    }

    private mutating func take(_ n: Int) -> Int {
        let offset = count
        count += (n + 15) & ~15   // keep every view 64-byte aligned
        return offset
    }
}
