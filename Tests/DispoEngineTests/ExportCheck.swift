// Writes a random-initialised model and the engine's log-probs for fixed ids, for checking by hand that
// transformers loads dispo's files and agrees: runs only with DISPO_ENGINE_EXPORT=DIR, then
//   /work/venv-torch/bin/python Tools/make_engine_fixtures.py --check DIR --ids 1,5,2,9,4,7,3
// and compare with DIR/dispo_logprobs.json.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class ExportCheck: XCTestCase {
    func test_export_model_for_transformers() throws {
        guard let dir = ProcessInfo.processInfo.environment["DISPO_ENGINE_EXPORT"] else { throw XCTSkip("set DISPO_ENGINE_EXPORT=DIR") }
        for (name, model) in [("qwen2", tinyModel(tied: true, family: "qwen2")), ("llama", tinyModel(tied: false, bias: true))] {
            try model.save(directory: dir + "/" + name, dtype: name == "qwen2" ? .bf16 : .f32)
            let reloaded = try Transformer.load(directory: dir + "/" + name)   // bf16: score what was written
            let scores = try reloaded.forward(TokenBatch(sequences: [[1, 5, 2, 9, 4, 7, 3]]))
            let json = "{\"logprobs\": \(scores.logProbs.prefix(6).map { Double($0) }), \"entropies\": \(scores.entropies.prefix(6).map { Double($0) })}\n"
            try AtomicFile.write(json, to: dir + "/" + name + "/dispo_logprobs.json")
        }
    }
}
