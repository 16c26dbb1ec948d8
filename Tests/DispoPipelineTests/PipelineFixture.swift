// A whole pipeline small enough to run in-process in a debug build: a 1-layer model of hidden size 16 with
// random weights, the bundled character tokenizer, and the first problems of the bundled arithmetic task as
// shard sets, in a scratch directory. `spec(...)` gives a pipeline spec over them with overrides.
import DispoEngine
import DispoPipeline
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

struct PipelineFixture {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let dir: String

    /// Writes the model, the training set (`trainCount` problems) and the evaluation set (8 problems).
    /// `extraVocabulary`: model rows beyond the tokenizer's vocabulary (as Qwen2.5 has), which sampling can draw.
    init(test: XCTestCase, trainCount: Int = 40, emptyPromptAt: Int? = nil, extraVocabulary: Int = 0) throws {
        dir = NSTemporaryDirectory() + "dispo-pipeline-\(UUID().uuidString)"
        let dir = self.dir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let tokenizer = try TokenizerLoader.load(Self.repo + "/Data/tokenizers/char")
        let config = ModelConfig(modelType: "llama", vocabSize: tokenizer.vocabularySize + extraVocabulary, hiddenSize: 16, intermediateSize: 32,
                                 numHiddenLayers: 1, numAttentionHeads: 2, maxPositionEmbeddings: 64, bosTokenID: 1,
                                 eosTokenIDs: [Int(tokenizer.eosTokenID ?? 2)])
        let model = Transformer(config: config)
        model.initializeRandom(seed: 7)
        try model.save(directory: dir + "/model")
        let lines = try String(contentsOfFile: Self.repo + "/Data/arithmetic/problems.jsonl", encoding: .utf8)
            .split(separator: "\n").prefix(trainCount + 8)
        var problems: [(prompt: String, answer: String)] = []
        for line in lines {
            let node = try JSONParser.parse(String(line), file: "problems.jsonl")
            let o = try JSONReader(node: node, file: "problems.jsonl").object()
            problems.append((try o.required("problem").string(), try o.required("answer").string()))
        }
        try Self.writeSet(dir + "/train", problems.prefix(trainCount).enumerated().map { i, p in
            (i == emptyPromptAt ? "" : p.prompt, p.answer)
        }, tokenizer: tokenizer)
        try Self.writeSet(dir + "/eval", Array(problems.suffix(8)), tokenizer: tokenizer)
    }

    static func writeSet(_ path: String, _ problems: [(prompt: String, answer: String)], tokenizer: any Tokenizer) throws {
        let writer = try ShardSetWriter(directory: path, options: ShardWriterOptions(threads: 1), tokenizer: tokenizer.identity,
                                        command: "test", info: [:])
        for (i, p) in problems.enumerated() {
            let metadata = try JSONWriter.encode(["answer": p.answer, "id": "p\(i)"])
            try writer.append(TokenRecord(tokens: tokenizer.encode(p.prompt), metadata: Array(metadata.utf8)))
        }
        _ = try writer.finish()
    }

    /// A spec over the fixture; `overrides` as `dispo run --set` takes them.
    func spec(_ overrides: [String] = [], name: String = "t") throws -> PipelineSpec {
        let json = """
        {"name": "\(name)", "seed": 3, "run_dir": "\(dir)/runs/\(name)",
         "model": {"path": "\(dir)/model"}, "tokenizer": "\(Self.repo)/Data/tokenizers/char",
         "data": {"train": "\(dir)/train", "eval": "\(dir)/eval"},
         "rollout": {"group_size": 2, "prompts_per_step": 4, "max_new_tokens": 6, "max_staleness": 1},
         "train": {"steps": 3, "mini_batches": 2, "micro_batch_size": 8},
         "optimizer": {"lr": 0.01}, "eval": {"samples": 1, "greedy": false},
         "checkpoint": {"every": 1, "keep": 10}}
        """
        let path = dir + "/\(name)-\(UUID().uuidString).json"
        try AtomicFile.write(json, to: path)
        return try PipelineSpec.load(path, overrides: overrides)
    }
}
