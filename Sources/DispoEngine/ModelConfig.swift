// Model configuration of a decoder-only transformer, read from a Hugging Face `config.json`.
// Swift names on the struct, HF keys in `CodingKeys`; optional keys fall back to the documented HF default of
// the model family. `model_type` picks a family from `ModelRegistry`; an unknown type is rejected with the list
// of known ones. `validate()` runs after decoding and rejects what the engine cannot compute exactly
// (rope scaling, sliding windows, MLP biases, activations other than SiLU).
// Dimension legend: V vocab, C hidden size, F intermediate (MLP) size, L layers, NH query heads,
// KVH key/value heads, HS head size, G = NH / KVH query heads per key/value head.
// References: transformers' LlamaConfig and Qwen2Config (configuration_llama.py, configuration_qwen2.py).

import DispoSupport
import Foundation

/// A model family: how the HF config of one `model_type` maps onto the engine.
public struct ModelFamily: Sendable {
    public var modelType: String
    /// The `architectures` entry written into a saved `config.json`.
    public var architecture: String
    /// Given the config's `attention_bias` (nil when absent): whether q/k/v and o projections carry biases.
    public var biases: @Sendable (_ attentionBias: Bool?) -> (qkv: Bool, output: Bool)
    /// RMSNorm over each query and key head before rotary embedding (Qwen3's q_norm / k_norm).
    public var qkNorm: Bool = false
}

/// `model_type` → family. Llama: `attention_bias` (default false) applies to q, k, v and o.
/// Qwen2: q, k, v always have biases, o never. Qwen3: like Llama, plus per-head q/k RMSNorm.
public enum ModelRegistry {
    public static let families: [String: ModelFamily] = [
        "llama": ModelFamily(modelType: "llama", architecture: "LlamaForCausalLM",
                             biases: { b in (b ?? false, b ?? false) }),
        "qwen2": ModelFamily(modelType: "qwen2", architecture: "Qwen2ForCausalLM",
                             biases: { _ in (true, false) }),
        "qwen3": ModelFamily(modelType: "qwen3", architecture: "Qwen3ForCausalLM",
                             biases: { b in (b ?? false, b ?? false) }, qkNorm: true),
    ]
    public static var knownTypes: [String] { families.keys.sorted() }
}

public struct ModelConfig: Codable, Sendable, Equatable {
    public var modelType: String
    public var vocabSize: Int            // V
    public var hiddenSize: Int           // C
    public var intermediateSize: Int     // F
    public var numHiddenLayers: Int      // L
    public var numAttentionHeads: Int    // NH
    public var numKeyValueHeads: Int     // KVH (default NH)
    public var headDim: Int              // HS (default C / NH)
    public var rmsNormEps: Double        // default 1e-6
    public var ropeTheta: Double         // default 10000
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool   // default false
    public var qkvBias: Bool
    public var outputBias: Bool
    public var qkNorm: Bool              // per-head RMSNorm of q and k (qwen3)
    public var hiddenAct: String         // must be "silu"
    public var initializerRange: Double  // default 0.02
    public var bosTokenID: Int?
    public var eosTokenIDs: [Int]        // HF allows an int or a list
    /// Keys present in the file that the engine refuses to ignore (checked by `validate`).
    var unsupported: [String] = []
    /// The `torch_dtype` written with the config: the dtype the weights beside it are stored in.
    public var storageDtype = "float32"

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim", rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
        case maxPositionEmbeddings = "max_position_embeddings", tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias", hiddenAct = "hidden_act"
        case initializerRange = "initializer_range", bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
        case useSlidingWindow = "use_sliding_window", layerTypes = "layer_types", architectures, torchDtype = "torch_dtype"
    }

    private struct RopeParameters: Codable {
        var ropeTheta: Double?
        var ropeType: String?
        enum CodingKeys: String, CodingKey { case ropeTheta = "rope_theta", ropeType = "rope_type" }
    }

    public init(modelType: String, vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, numKeyValueHeads: Int? = nil, headDim: Int? = nil, rmsNormEps: Double = 1e-6,
                ropeTheta: Double = 10000, maxPositionEmbeddings: Int = 2048, tieWordEmbeddings: Bool = false,
                attentionBias: Bool? = nil, initializerRange: Double = 0.02, bosTokenID: Int? = nil,
                eosTokenIDs: [Int] = []) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
        self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.tieWordEmbeddings = tieWordEmbeddings
        let biases: (qkv: Bool, output: Bool) = ModelRegistry.families[modelType]?.biases(attentionBias) ?? (attentionBias ?? false, false)
        self.qkvBias = biases.qkv
        self.outputBias = biases.output
        self.qkNorm = ModelRegistry.families[modelType]?.qkNorm ?? false
        self.hiddenAct = "silu"
        self.initializerRange = initializerRange
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decode(String.self, forKey: .modelType)
        guard let family = ModelRegistry.families[modelType] else {
            throw DecodingError.dataCorruptedError(
                forKey: .modelType, in: c,
                debugDescription: "a known model_type (\(ModelRegistry.knownTypes.joined(separator: ", ")))")
        }
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        let defaultHead = numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim) ?? defaultHead
        rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rmsNormEps) ?? 1e-6
        // transformers ≥ 5 moves rope_theta into rope_parameters; older files have it at the top level.
        let rope = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? rope?.ropeTheta ?? 10000
        if let type = rope?.ropeType, type != "default" { unsupported.append("rope_parameters.rope_type=\(type)") }
        if c.contains(.ropeScaling), try !c.decodeNil(forKey: .ropeScaling) { unsupported.append("rope_scaling") }
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 2048
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        let biases = family.biases(try c.decodeIfPresent(Bool.self, forKey: .attentionBias))
        qkvBias = biases.qkv
        outputBias = biases.output
        qkNorm = family.qkNorm
        if try c.decodeIfPresent(Bool.self, forKey: .mlpBias) == true { unsupported.append("mlp_bias=true") }
        if try c.decodeIfPresent(Bool.self, forKey: .useSlidingWindow) == true { unsupported.append("use_sliding_window=true") }
        if let types = try c.decodeIfPresent([String].self, forKey: .layerTypes),
           let other = types.first(where: { $0 != "full_attention" }) { unsupported.append("layer_types=\(other)") }
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
        initializerRange = try c.decodeIfPresent(Double.self, forKey: .initializerRange) ?? 0.02
        bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID)
        eosTokenIDs = try c.decodeTokenIDs(forKey: .eosTokenID)
    }

    /// Writes HF keys, so `transformers` reads the file unchanged.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        if let family = ModelRegistry.families[modelType] { try c.encode([family.architecture], forKey: .architectures) }
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(ropeTheta, forKey: .ropeTheta)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        if modelType != "qwen2" { try c.encode(qkvBias, forKey: .attentionBias) }
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encodeIfPresent(bosTokenID, forKey: .bosTokenID)
        if eosTokenIDs.count == 1 { try c.encode(eosTokenIDs[0], forKey: .eosTokenID) }
        else if !eosTokenIDs.isEmpty { try c.encode(eosTokenIDs, forKey: .eosTokenID) }
        try c.encode(storageDtype, forKey: .torchDtype)
    }

    public static func == (a: ModelConfig, b: ModelConfig) -> Bool {
        a.modelType == b.modelType && a.vocabSize == b.vocabSize && a.hiddenSize == b.hiddenSize
            && a.intermediateSize == b.intermediateSize && a.numHiddenLayers == b.numHiddenLayers
            && a.numAttentionHeads == b.numAttentionHeads && a.numKeyValueHeads == b.numKeyValueHeads
            && a.headDim == b.headDim && a.rmsNormEps == b.rmsNormEps && a.ropeTheta == b.ropeTheta
            && a.tieWordEmbeddings == b.tieWordEmbeddings && a.qkvBias == b.qkvBias && a.outputBias == b.outputBias
            && a.qkNorm == b.qkNorm
    }
}

extension ModelConfig {
    /// Reads and validates `config.json`. Every problem is an `InputError` naming the file and key.
    public static func load(path: String) throws -> ModelConfig {
        try MemoryBudget.requireRegularFile(path, what: "a config.json file")
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw InputError(file: path, expected: "a readable config.json", found: "\(error)")
        }
        return try decode(data, file: path)
    }

    /// Decodes `config.json`'s bytes: keys of Hugging Face's that the engine has no use for are ignored, every
    /// key it reads is checked, and errors name the JSON path (and line) of the problem.
    public static func decode(_ data: Data, file: String) throws -> ModelConfig {
        let config: ModelConfig
        do {
            guard let text = String(validating: data, as: UTF8.self) else {
                throw InputError(file: file, expected: "UTF-8 text", found: "invalid UTF-8 bytes")
            }
            config = try StrictJSONDecoder(allowUnknownKeys: true)
                .decode(ModelConfig.self, from: try JSONParser.parse(text, file: file), file: file)
        } catch var error as InputError {
            error.hint = error.hint ?? "a Hugging Face config.json of model_type \(ModelRegistry.knownTypes.joined(separator: " or "))"
            throw error
        }
        try config.validate(file: file)
        return config
    }

    /// Checks sizes and features after decoding.
    public func validate(file: String = "config.json") throws {
        func fail(_ key: String, _ expected: String, _ found: String) -> InputError {
            InputError(file: file, place: "$.\(key)", expected: expected, found: found)
        }
        guard ModelRegistry.families[modelType] != nil else {
            throw fail("model_type", "one of \(ModelRegistry.knownTypes.joined(separator: ", "))", "\"\(modelType)\"")
        }
        for (key, value) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                             ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
                             ("num_key_value_heads", numKeyValueHeads), ("head_dim", headDim),
                             ("max_position_embeddings", maxPositionEmbeddings)] where value <= 0 {
            throw fail(key, "a positive integer", "\(value)")
        }
        if numAttentionHeads % numKeyValueHeads != 0 {
            throw fail("num_key_value_heads", "a divisor of num_attention_heads (\(numAttentionHeads))", "\(numKeyValueHeads)")
        }
        if headDim % 2 != 0 { throw fail("head_dim", "an even head size (rotary pairs)", "\(headDim)") }
        if hiddenAct != "silu" { throw fail("hidden_act", "\"silu\"", "\"\(hiddenAct)\"") }
        if !(rmsNormEps > 0) { throw fail("rms_norm_eps", "a positive number", "\(rmsNormEps)") }
        if !(ropeTheta > 0) { throw fail("rope_theta", "a positive number", "\(ropeTheta)") }
        if let first = unsupported.first {
            throw fail(first.split(separator: "=").first.map(String.init) ?? first, "a feature the engine supports",
                       first + " (not implemented)")
        }
        try validateSizes(file: file)
    }

    /// Sizes derived from the config, computed with overflow checks: the parameter count must fit in 64 bits and
    /// its fp32 values in this machine's physical memory (`physicalBytes`, default: this machine's).
    public func validateSizes(file: String = "config.json", physicalBytes: Int = MemoryBudget.physicalBytes) throws {
        let C = hiddenSize, shape = "vocab_size \(vocabSize), hidden_size \(C), intermediate_size \(intermediateSize), "
            + "num_hidden_layers \(numHiddenLayers), num_attention_heads \(numAttentionHeads), head_dim \(headDim)"
        guard let count = checkedParameterCount else {
            throw InputError(file: file, place: "$", expected: "sizes whose parameter count fits in 64 bits", found: shape)
        }
        guard let bytes = MemoryBudget.product([count, 4]), bytes <= physicalBytes else {
            throw InputError(file: file, place: "$", expected: "a model whose fp32 parameters fit in this machine's memory "
                             + "(\(MemoryBudget.describe(bytes: physicalBytes)))",
                             found: "\(count) parameters (\(shape))")
        }
    }

    /// The parameter count P (as `ParameterLayout` lays it out), nil when a product or sum overflows.
    public var checkedParameterCount: Int? {
        let C = hiddenSize, F = intermediateSize
        guard let qd = MemoryBudget.product([numAttentionHeads, headDim]),
              let kvd = MemoryBudget.product([numKeyValueHeads, headDim]),
              let qkv = MemoryBudget.sum([qd, kvd, kvd]),
              let projections = MemoryBudget.sum([qkv, qd]),
              let attention = MemoryBudget.product([projections, C]),   // q‖k‖v and o projections
              let mlp = MemoryBudget.product([3, F, C]),
              let norms = MemoryBudget.product([2, C]), let headNorms = MemoryBudget.product([2, headDim]),
              let perLayer = MemoryBudget.sum([attention, mlp, norms, qkvBias ? qkv : 0, outputBias ? C : 0,
                                               qkNorm ? headNorms : 0]),
              let layers = MemoryBudget.product([numHiddenLayers, perLayer]),
              let embedding = MemoryBudget.product([vocabSize, C]) else { return nil }
        return MemoryBudget.sum([layers, embedding, tieWordEmbeddings ? 0 : embedding, C])
    }

    // Derived sizes.
    public var groupSize: Int { numAttentionHeads / numKeyValueHeads }       // G
    public var queryDim: Int { numAttentionHeads * headDim }                 // NH*HS
    public var keyValueDim: Int { numKeyValueHeads * headDim }               // KVH*HS
    public var qkvDim: Int { queryDim + 2 * keyValueDim }                    // QKV = (NH + 2 KVH) * HS
}

extension KeyedDecodingContainer {
    /// A Hugging Face token-id field that may be one int or a list of ints (`eos_token_id`); [] when absent.
    func decodeTokenIDs(forKey key: Key) throws -> [Int] {
        if let one = try? decodeIfPresent(Int.self, forKey: key) { return [one] }
        return try decodeIfPresent([Int].self, forKey: key) ?? []
    }
}
