// Stop tokens: a chat model's end-of-turn token ends a response like EOS does; the char model has only EOS.
import DispoEngine
import DispoPipeline
import DispoTokenizers
import XCTest

final class StopTokensTests: XCTestCase {
    func test_chat_template_end_of_turn_joins_the_eos_ids() throws {
        let path = PipelineFixture.repo + "/Tests/DispoTokenizersTests/Fixtures/chat/qwen2.5-instruct"
        let tokenizer = try TokenizerLoader.load(path)
        let config = ModelConfig(modelType: "qwen2", vocabSize: 151_936, hiddenSize: 8, intermediateSize: 8, numHiddenLayers: 1,
                                 numAttentionHeads: 1, eosTokenIDs: [151_643])
        let stops = try StopTokens.of(config: config, modelDirectory: nil, tokenizer: tokenizer, tokenizerPath: path)
        let imEnd = try XCTUnwrap(tokenizer.tokenID(for: "<|im_end|>"))
        XCTAssertTrue(stops.contains(imEnd), "\(stops)")
        XCTAssertTrue(stops.contains(151_643))
    }

    func test_char_tokenizer_stops_on_eos_only() throws {
        let path = PipelineFixture.repo + "/Data/tokenizers/char"
        let tokenizer = try TokenizerLoader.load(path)
        let config = ModelConfig(modelType: "llama", vocabSize: tokenizer.vocabularySize, hiddenSize: 8, intermediateSize: 8,
                                 numHiddenLayers: 1, numAttentionHeads: 1)
        let stops = try StopTokens.of(config: config, modelDirectory: nil, tokenizer: tokenizer, tokenizerPath: path)
        XCTAssertEqual(stops, [try XCTUnwrap(tokenizer.eosTokenID)])
    }
}
