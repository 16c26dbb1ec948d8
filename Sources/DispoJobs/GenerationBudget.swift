// Checks the sampling jobs (`dispo sample`, `dispo eval`) run before they allocate anything: the data was
// tokenized with the tokenizer in use, the KV cache's size (slots × (longest prompt + new tokens)) is
// computed with checked arithmetic and fits in the machine's memory, and responses that would run past the
// model's context (max_position_embeddings) are reported with a warning that counts them.

import DispoEngine
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation

enum GenerationBudget {
    /// The KV cache capacity per sequence (longest prompt + `maxNewTokens`), after checking that `slots`
    /// sequences of it fit in physical memory. `flag` names the setting to lower.
    static func check(_ config: ModelConfig, longestPrompt: Int, maxNewTokens: Int, slots: Int, flag: String) throws -> Int {
        let file = "command line"
        let capacity = try Limits.sum(longestPrompt, maxNewTokens, limit: Limits.newTokens.upperBound * 2, file: file,
                                      place: "--max-new-tokens", what: "tokens per sequence (longest prompt + --max-new-tokens)")
        if capacity > config.maxPositionEmbeddings {
            StandardError.line("warning: the longest prompt (\(longestPrompt) tokens) + --max-new-tokens \(maxNewTokens) = \(capacity) "
                + "exceeds the model's max_position_embeddings \(config.maxPositionEmbeddings); tokens past it are beyond the context "
                + "the model was trained on")
        }
        var bytes = MemoryLayout<Float>.size
        for factor in [config.numHiddenLayers, 2, slots, capacity, config.keyValueDim] {
            bytes = try Limits.product(bytes, factor, file: file, place: flag, what: "KV cache bytes")
        }
        let memory = ProcessInfo.processInfo.physicalMemory
        guard UInt64(bytes) <= memory / 2 else {
            throw InputError(file: file, place: flag,
                             expected: "a KV cache within half the machine's memory (\(memory >> 20) MiB)",
                             found: "\(bytes >> 20) MiB for \(slots) sequences × \(capacity) positions",
                             hint: "lower \(flag) or --max-new-tokens")
        }
        return capacity
    }

    /// Throws unless the shard set was made with `tokenizer` (same kind and defining files).
    static func checkTokenizer(of set: ShardSet, _ tokenizer: any Tokenizer, tokenizerPath: String) throws {
        let made = set.manifest.tokenizer, using = tokenizer.identity
        guard made.kind == using.kind, made.hash == using.hash else {
            throw InputError(file: set.directory, place: "manifest.json tokenizer",
                             expected: "a shard set made with the tokenizer in use, \(using.name) (\(using.kind), \(using.hash)) from \(tokenizerPath)",
                             found: "\(made.name) (\(made.kind), \(made.hash))",
                             hint: "shard the dataset again with --tokenizer \(tokenizerPath), or pass the tokenizer it was made with")
        }
    }
}
