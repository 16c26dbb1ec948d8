// `dispo bench export --out DIR`: small random models saved the way dispo saves them — a Qwen2 with tied
// embeddings in BF16 and a Llama with every bias in F32, norms and biases perturbed so that a misplaced or
// misnamed one changes the result — each with the engine's log-probs and entropies for fixed ids
// (`dispo_logprobs.json`). Tools/make_engine_fixtures.py --check-export runs it, loads each directory in
// transformers and compares: the check that files dispo writes load in Hugging Face with the same numbers.
// Dimension legend: V 11, C 8, F 12, L 2, NH 2, KVH 1, HS 4.

import DispoEngine
import DispoSupport
import Foundation

public enum ModelExport {
    /// The ids scored on both sides.
    public static let ids: [Int32] = [1, 5, 2, 9, 4, 7, 3]

    /// What `dispo_logprobs.json` holds: log π and entropy of each next id (ids.count − 1 of each).
    public struct Scores: Codable, Equatable {
        public var ids: [Int32]
        public var logprobs: [Double]
        public var entropies: [Double]
    }

    /// (directory name, family, tied embeddings, storage dtype) of each model written.
    static let models: [(name: String, family: String, tied: Bool, dtype: TensorDType)] = [
        ("qwen2", "qwen2", true, .bf16),
        ("llama", "llama", false, .f32),
    ]

    /// Writes every model into `directory/NAME` with its scores; returns the model directories.
    @discardableResult
    public static func run(directory: String) throws -> [String] {
        try models.map { m in
            let dir = directory + "/" + m.name
            try model(family: m.family, tied: m.tied).save(directory: dir, dtype: m.dtype)
            let reloaded = try Transformer.load(directory: dir)   // bf16: score what was written
            let scores = try reloaded.forward(TokenBatch(sequences: [ids]))
            let count = ids.count - 1
            let written = Scores(ids: ids, logprobs: scores.logProbs.prefix(count).map(Double.init),
                                 entropies: scores.entropies.prefix(count).map(Double.init))
            try AtomicFile.write(JSONWriter.encode(written) + "\n", to: dir + "/dispo_logprobs.json")
            return dir
        }
    }

    /// A tiny random model (GQA, biases on q/k/v and o where the family has them) with non-trivial norms and biases.
    static func model(family: String, tied: Bool) -> Transformer {
        let config = ModelConfig(modelType: family, vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2,
                                 numAttentionHeads: 2, numKeyValueHeads: 1, ropeTheta: 100, maxPositionEmbeddings: 64,
                                 tieWordEmbeddings: tied, attentionBias: true, initializerRange: 0.5)
        let model = Transformer(config: config)
        model.initializeRandom(seed: 7)
        var rng = SplitMix64(seed: 11)
        for view in model.layout.tensors where view.shape.count == 1 {
            for i in 0..<view.count { model.parameters[view.offset][i] += 0.3 * (Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) }
        }
        return model
    }
}
