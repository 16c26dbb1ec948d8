// Which tokens end a response, the same for a run, `dispo eval` and `dispo sample`: the model config's EOS
// ids, generation_config.json's beside the weights, the tokenizer's EOS, and the end-of-turn tokens of the
// model's chat template (Qwen's <|im_end|>, Llama 3's <|eot_id|>) — a chat model ends its turn with those,
// and a response that ran past them would be graded on text the model never meant as its answer.

import DispoEngine
import DispoTokenizers

public enum StopTokens {
    /// `modelDirectory`: where generation_config.json may be; `tokenizerPath`: where a chat template may be.
    public static func of(config: ModelConfig, modelDirectory: String?, tokenizer: (any Tokenizer)?,
                          tokenizerPath: String?) throws -> Set<Int32> {
        var stops = Set(config.eosTokenIDs.map { Int32($0) })
        if let modelDirectory, let generation = try GenerationConfig.load(directory: modelDirectory) {
            stops.formUnion(generation.eosTokenIDs.map { Int32($0) })
        }
        if let tokenizer {
            if let eos = tokenizer.eosTokenID { stops.insert(eos) }
            if let tokenizerPath {
                stops.formUnion(try ChatTemplate.endOfTurnTokenIDs(tokenizerPath: tokenizerPath, tokenizer: tokenizer))
            }
        }
        return stops
    }
}
