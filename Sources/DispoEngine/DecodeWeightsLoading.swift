// Loading DecodeWeights straight from a model directory, without the fp32 parameter arena of a Transformer:
// tensors are read one at a time (with every check of Transformer.load), staged in fp32 only until the fused
// matrix they belong to (q‖k‖v, gate‖up) is complete, then packed; staging arenas are reused from matrix to
// matrix. Peak memory: the packed weights plus the staging (about the largest fused matrix in fp32 when the
// largest comes first, as the embedding does in Hugging Face files).
// Dimension legend: V vocab, C hidden, F intermediate, QKV = (NH + 2·KVH)·HS, QD = NH·HS.

import DispoSupport
import Foundation

extension DecodeWeights {
    /// Reads `directory` (config.json + safetensors) into decode weights of `precision`.
    public static func load(directory: String, precision: Precision = .f32) throws -> DecodeWeights {
        let config = try ModelConfig.load(path: directory + "/config.json")
        try MemoryBudget.require(floats: floats(config: config, precision: precision), what: "the model's decode weights",
                                 file: directory + "/config.json")
        let weights = DecodeWeights(config: config, precision: precision)
        let layout = ParameterLayout(config: config)
        let groups = weights.matrixGroups(layout)
        var staged: [Int: Arena] = [:]                // group start (layout offset) → fp32 staging
        var filled: [Int: Int] = [:]                  // group start → floats read so far
        // Staging arenas of finished groups are reused: fresh memory is paid for once per open group, not once
        // per matrix (first touches of fresh pages are slow on some VMs, and the largest group alone is 0.5 GB).
        var spare: [Arena] = []
        try Transformer.forEachTensor(directory: directory, layout: layout) { file, view in
            if let target = weights.vectorOffset(of: view, in: layout) {
                try file.read(view.name, shape: view.shape, into: weights.vectors[target])
                return
            }
            guard let group = groups.first(where: { view.offset >= $0.start && view.offset < $0.start + $0.OC * $0.IC }) else {
                throw InputError(file: file.path, place: "tensor \(view.name)", expected: "a tensor of the model's layout")
            }
            let size = group.OC * group.IC
            let stage: Arena
            if let open = staged[group.start] {
                stage = open
            } else if let k = spare.indices.filter({ spare[$0].count >= size }).min(by: { spare[$0].count < spare[$1].count }) {
                stage = spare.remove(at: k)
            } else {
                stage = Arena(count: size)
            }
            staged[group.start] = stage
            try file.read(view.name, shape: view.shape, into: stage[view.offset - group.start])
            filled[group.start, default: 0] += view.count
            if filled[group.start] == size {
                weights.store(stage.base, at: group.target, OC: group.OC, IC: group.IC, rowMajor: group.rowMajor)
                staged[group.start] = nil
                spare.append(stage)
            }
        }
        return weights
    }

    /// A matrix of the decode weights and where its rows lie in the HF parameter layout (fused q‖k‖v and
    /// gate‖up are one group each; a tied output head is the embedding's group).
    struct MatrixGroup {
        var start: Int, OC: Int, IC: Int, target: Int, rowMajor: Bool
    }

    func matrixGroups(_ L: ParameterLayout) -> [MatrixGroup] {
        let C = config.hiddenSize, F = config.intermediateSize, V = config.vocabSize
        var groups: [MatrixGroup] = []
        for (l, w) in L.layers.enumerated() {
            let d = layers[l]
            groups += [MatrixGroup(start: w.wqkv, OC: config.qkvDim, IC: C, target: d.wqkv, rowMajor: false),
                       MatrixGroup(start: w.wo, OC: C, IC: config.queryDim, target: d.wo, rowMajor: false),
                       MatrixGroup(start: w.wgateUp, OC: 2 * F, IC: C, target: d.wgateUp, rowMajor: false),
                       MatrixGroup(start: w.wdown, OC: C, IC: F, target: d.wdown, rowMajor: false)]
        }
        groups.append(MatrixGroup(start: L.lmHead, OC: V, IC: C, target: lmHead, rowMajor: false))
        if embedding >= 0 { groups.append(MatrixGroup(start: L.embedding, OC: V, IC: C, target: embedding, rowMajor: true)) }
        return groups
    }

    /// Where a 1-D tensor (norm weight or bias) goes in `vectors`; nil for matrices.
    func vectorOffset(of view: TensorView, in L: ParameterLayout) -> Int? {
        guard view.shape.count == 1 else { return nil }
        if view.offset == L.finalNorm { return finalNorm }
        for (l, w) in L.layers.enumerated() {
            let d = layers[l]
            for (source, target) in [(w.ln1, d.ln1), (w.ln2, d.ln2), (w.bqkv, d.bqkv), (w.bo, d.bo), (w.qNorm, d.qNorm),
                                     (w.kNorm, d.kNorm)] where source >= 0 {
                if view.offset == source { return target }
                // q, k, v biases are three tensors of one fused vector.
                if source == w.bqkv, view.offset > source, view.offset < source + config.qkvDim { return target + view.offset - source }
            }
        }
        return nil
    }
}
