// Generation settings from a Hugging Face `generation_config.json`, where present: sampling on/off,
// temperature, top-p, top-k, EOS ids and the new-token budget, turned into `SamplingParameters`.
// Absent keys take transformers' defaults (do_sample false, temperature 1, top_p 1, top_k 50); keys dispo has no use
// for are ignored, the ones it reads are checked (errors name the JSON path).

import DispoSupport
import Foundation

public struct GenerationConfig: Codable, Sendable, Equatable {
    public var doSample: Bool
    public var temperature: Double
    public var topP: Double
    public var topK: Int
    public var eosTokenIDs: [Int]
    public var maxNewTokens: Int?

    enum CodingKeys: String, CodingKey {
        case doSample = "do_sample", temperature, topP = "top_p", topK = "top_k", eosTokenID = "eos_token_id"
        case maxNewTokens = "max_new_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        doSample = try c.decodeIfPresent(Bool.self, forKey: .doSample) ?? false
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 1
        topP = try c.decodeIfPresent(Double.self, forKey: .topP) ?? 1
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? 50
        eosTokenIDs = try c.decodeTokenIDs(forKey: .eosTokenID)
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(doSample, forKey: .doSample)
        try c.encode(temperature, forKey: .temperature)
        try c.encode(topP, forKey: .topP)
        try c.encode(topK, forKey: .topK)
        try c.encode(eosTokenIDs, forKey: .eosTokenID)
        try c.encodeIfPresent(maxNewTokens, forKey: .maxNewTokens)
    }

    /// Reads `directory/generation_config.json`; nil when the file does not exist.
    public static func load(directory: String) throws -> GenerationConfig? {
        let path = directory + "/generation_config.json"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let config = try StrictJSONDecoder(allowUnknownKeys: true).decode(GenerationConfig.self, fromFile: path)
            guard config.temperature >= 0, config.topP > 0, config.topP <= 1, config.topK >= 0 else {
                throw InputError(file: path, expected: "temperature ≥ 0, 0 < top_p ≤ 1, top_k ≥ 0",
                                 found: "\(config.temperature), \(config.topP), \(config.topK)")
            }
            return config
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(file: path, expected: "a generation_config.json", found: "\(error)")
        }
    }

    /// The sampling parameters these settings describe (greedy unless do_sample).
    public func sampling(maxNewTokens fallback: Int) -> SamplingParameters {
        SamplingParameters(temperature: doSample ? Float(temperature) : 0, topP: Float(topP), topK: topK,
                           maxNewTokens: maxNewTokens ?? fallback, stopTokens: Set(eosTokenIDs.map { Int32($0) }))
    }
}
