// The bf16 copy of a model's layer matrices that a Generator with `PrefillPrecision.bf16` runs prompt tokens
// through (BF16Products), and how it follows the weights it was made from: a model's fp32 arena (re-converted
// when the arena's XXH64 changes) or packed DecodeWeights (unpacked and re-converted when their `generation`
// changes). The output head is not here: prefill computes logits for one row per prompt, which stays fp32.
// Size: 2 bytes per layer-matrix parameter (0.72 GB for Qwen2.5-0.5B, 2.6 GB for 1.5B).

import DispoSupport

final class PrefillBF16Weights {
    /// Matrix indices in `products` of one layer.
    struct Layer { var qkv: Int, output: Int, gateUp: Int, down: Int }

    let products: BF16Products
    private(set) var layers: [Layer] = []
    private var source: UInt64?        // fingerprint of the model arena, or generation of the DecodeWeights

    init(config c: ModelConfig) throws {
        products = try BF16Products()
        for _ in 0..<c.numHiddenLayers {
            layers.append(Layer(qkv: try products.addMatrix(OC: c.qkvDim, IC: c.hiddenSize),
                                output: try products.addMatrix(OC: c.hiddenSize, IC: c.queryDim),
                                gateUp: try products.addMatrix(OC: 2 * c.intermediateSize, IC: c.hiddenSize),
                                down: try products.addMatrix(OC: c.hiddenSize, IC: c.intermediateSize)))
        }
    }

    var bytes: Int { products.bytes }

    /// The matrix of projection `p` (not the head) of layer `l`.
    func matrix(_ p: Generator.Projection, layer l: Int) -> Int {
        switch p {
        case .qkv: return layers[l].qkv
        case .output: return layers[l].output
        case .gateUp: return layers[l].gateUp
        case .down: return layers[l].down
        case .head: preconditionFailure("the output head has no bf16 copy: prefill computes it in fp32")
        }
    }

    /// Converts `model`'s layer matrices unless they are the ones converted last (`fingerprint`: XXH64 of its arena).
    func follow(_ model: Transformer, fingerprint: UInt64, threads: Int) throws {
        guard source != fingerprint else { return }
        source = nil
        let W = model.parameters
        for (l, w) in model.layout.layers.enumerated() {
            let d = layers[l]
            for (index, offset) in [(d.qkv, w.wqkv), (d.output, w.wo), (d.gateUp, w.wgateUp), (d.down, w.wdown)] {
                try products.store(index, from: W[offset], threads: threads)
            }
        }
        source = fingerprint
    }

    /// Converts the layer matrices of packed `weights` unless their generation is the one converted last.
    func follow(_ weights: DecodeWeights, threads: Int) throws {
        let generation = UInt64(weights.generation)
        guard source != generation else { return }
        source = nil
        let c = weights.config, C = c.hiddenSize, F = c.intermediateSize
        let scratch = Arena(count: max(c.qkvDim * C, C * c.queryDim, 2 * F * C))
        for (l, d) in weights.layers.enumerated() {
            let b = layers[l]
            for (index, offset, OC, IC) in [(b.qkv, d.wqkv, c.qkvDim, C), (b.output, d.wo, C, c.queryDim),
                                            (b.gateUp, d.wgateUp, 2 * F, C), (b.down, d.wdown, C, F)] {
                weights.unpack(offset, OC: OC, IC: IC, into: scratch.base)
                try products.store(index, from: scratch.base, threads: threads)
            }
        }
        source = generation
    }
}
