// `dispo bench export`: the models it writes load back with dispo and score as its dispo_logprobs.json says,
// in the dtype each was saved in (Tools/make_engine_fixtures.py --check-export compares the same files with
// transformers).
@testable import DispoBench
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class ModelExportTests: XCTestCase {
    func test_export_writes_each_model_with_the_scores_of_what_was_saved() throws {
        // Given an empty directory
        let dir = NSTemporaryDirectory() + "dispo-export-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // When the export runs
        let written = try ModelExport.run(directory: dir)
        // Then each model loads, is stored in its dtype, and scores the ids as its file says
        XCTAssertEqual(written, [dir + "/qwen2", dir + "/llama"])
        for (path, dtype) in zip(written, ["bfloat16", "float32"]) {
            let config = try JSONParser.parse(contentsOf: path + "/config.json").value
            XCTAssertEqual(config["torch_dtype"]?.string, dtype)
            let scores = try StrictJSONDecoder().decode(ModelExport.Scores.self, fromFile: path + "/dispo_logprobs.json")
            XCTAssertEqual(scores.ids, ModelExport.ids)
            XCTAssertEqual(scores.logprobs.count, ModelExport.ids.count - 1)
            XCTAssertEqual(scores.entropies.count, ModelExport.ids.count - 1)
            let again = try Transformer.load(directory: path).forward(TokenBatch(sequences: [ModelExport.ids]))
            for i in 0..<scores.logprobs.count {
                XCTAssertEqual(Double(again.logProbs[i]), scores.logprobs[i], accuracy: 1e-6)
                XCTAssertEqual(Double(again.entropies[i]), scores.entropies[i], accuracy: 1e-6)
                XCTAssertTrue(scores.logprobs[i] < 0 && scores.entropies[i] > 0)
            }
        }
        // And the norms and biases are not their initial constants (a misplaced one would change the scores)
        let llama = try Transformer.load(directory: dir + "/llama")
        let norm = try XCTUnwrap(llama.layout.tensor(named: "model.norm.weight"))
        XCTAssertTrue((0..<norm.count).contains { llama.parameters[norm.offset][$0] != 1 })
    }
}
