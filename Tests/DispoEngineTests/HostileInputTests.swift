// Oversized, overflowing, non-finite or non-regular model input is a clear error, never a trap or a hang:
// config sizes beyond 64 bits or beyond this machine's memory, safetensors shapes whose byte size overflows,
// FIFOs given as model files, NaN/∞ weights, and non-finite log-probs from diverged weights.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class HostileInputTests: XCTestCase {
    let base = #"{"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4"#

    func config(_ extra: String) -> String { base + extra + "}" }

    func assertInputError(_ body: @autoclosure () throws -> Any, contains: String, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertTrue(error is InputError, "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(contains), "\(error) lacks \(contains)", line: line)
        }
    }

    func test_config_sizes_beyond_memory_or_64_bits_are_input_errors() throws {
        let cases = [
            base.replacingOccurrences(of: "\"vocab_size\": 100", with: "\"vocab_size\": 1000000000000") + "}",
            base.replacingOccurrences(of: "\"hidden_size\": 64", with: "\"hidden_size\": 65536") + "}",
            base.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": 1000000000") + "}",
            base.replacingOccurrences(of: "\"vocab_size\": 100", with: "\"vocab_size\": 4611686018427387904")
                .replacingOccurrences(of: "\"hidden_size\": 64", with: "\"hidden_size\": 4611686018427387904") + "}",
        ]
        for json in cases {
            XCTAssertThrowsError(try ModelConfig.decode(Data(json.utf8), file: "config.json"), json) { error in
                XCTAssertTrue(error is InputError, "\(error)")
                XCTAssertTrue("\(error)".contains("config.json"), "\(error)")
            }
        }
        // The same rule with a stated memory size, independent of this machine.
        let small = try ModelConfig.decode(Data(config("").utf8), file: "config.json")
        XCTAssertNoThrow(try small.validateSizes(physicalBytes: 1 << 30))
        assertInputError(try small.validateSizes(file: "c.json", physicalBytes: 1 << 10), contains: "fit in this machine's memory")
        XCTAssertEqual(small.checkedParameterCount, Transformer(config: small).parameterCount)
    }

    func test_safetensors_shape_whose_size_overflows_is_an_input_error() throws {
        let header = #"{"a": {"dtype": "F32", "shape": [4611686018427387904, 4611686018427387904], "data_offsets": [0, 8]}}"#
        assertInputError(try SafetensorsFile(path: try file(header: header, data: 8)), contains: "fits in 64 bits")
        let huge = #"{"a": {"dtype": "F32", "shape": [99999999999999999999], "data_offsets": [0, 8]}}"#
        assertInputError(try SafetensorsFile(path: try file(header: huge, data: 8)), contains: "tensor a")
        let negative = #"{"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#
        assertInputError(try SafetensorsFile(path: try file(header: negative, data: 8)), contains: "tensor a")
        let duplicate = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#
        assertInputError(try SafetensorsFile(path: try file(header: duplicate, data: 8)), contains: "header")
    }

    func test_fifos_given_as_model_files_are_refused_without_blocking() throws {
        let model = tinyModel()
        let dir = temporaryDirectory("fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.save(directory: dir)
        try FileManager.default.removeItem(atPath: dir + "/model.safetensors")
        XCTAssertEqual(mkfifo(dir + "/model.safetensors", 0o644), 0)
        assertInputError(try Transformer.load(directory: dir), contains: "a FIFO")
        try FileManager.default.removeItem(atPath: dir + "/config.json")
        XCTAssertEqual(mkfifo(dir + "/config.json", 0o644), 0)
        assertInputError(try Transformer.load(directory: dir), contains: "a FIFO")
        assertInputError(try ModelConfig.load(path: dir), contains: "a directory")
    }

    func test_non_finite_weights_are_refused_at_load_naming_the_tensor() throws {
        for (value, dtype) in [(Float.nan, TensorDType.f32), (Float.infinity, .bf16), (-Float.infinity, .f32)] {
            let model = tinyModel()
            let view = try XCTUnwrap(model.layout.tensor(named: "model.layers.1.mlp.up_proj.weight"))
            model.parameters[view.offset][13] = value
            let dir = temporaryDirectory("nan")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try model.save(directory: dir, dtype: dtype)
            assertInputError(try Transformer.load(directory: dir), contains: "model.layers.1.mlp.up_proj.weight")
            assertInputError(try Transformer.load(directory: dir), contains: "index [1, 5]")
        }
    }

    func test_diverged_weights_make_scoring_and_sampling_throw_instead_of_returning_nan() throws {
        let model = tinyModel()
        let view = try XCTUnwrap(model.layout.tensor(named: "lm_head.weight"))
        for i in 0..<view.count { model.parameters[view.offset][i] = i % 2 == 0 ? 3e38 : -3e38 }
        let batch = TokenBatch(sequences: [[1, 2, 3, 4]])
        XCTAssertThrowsError(try model.forward(batch)) { error in
            guard case EngineError.nonFinite = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try model.backward(logProbCoefficients: [0, 0, 0, 0]), "no backward after a failed forward")
        let generator = Generator(model: model, slots: 2, capacity: 16)
        let requests = [GenerationRequest(prompt: [1, 2], key: SampleKey(runSeed: 1, prompt: 0))]
        for parameters in [SamplingParameters(maxNewTokens: 4), .greedy(maxNewTokens: 4)] {
            XCTAssertThrowsError(try generator.generate(requests, parameters: parameters)) { error in
                guard case EngineError.nonFinite = error else { return XCTFail("\(error)") }
            }
        }
    }

    func test_generator_memory_check_rejects_oversized_caches_before_allocating() {
        let config = tinyConfig()
        XCTAssertNoThrow(try Generator.checkMemory(config: config, slots: 4, capacity: 64))
        XCTAssertThrowsError(try Generator.checkMemory(config: config, slots: 1_000_000_000, capacity: 1_000_000_000))
        XCTAssertThrowsError(try Generator.checkMemory(config: config, slots: 1 << 40, capacity: 1 << 40))
        XCTAssertThrowsError(try Generator.checkMemory(config: config, slots: 0, capacity: 8))
        XCTAssertNil(Generator.workingFloats(config: config, slots: Int.max / 2, capacity: 4))
    }

    /// A file with a hand-made safetensors header and `data` zero bytes.
    func file(header: String, data: Int) throws -> String {
        let path = temporaryDirectory("hostile") + "/x.safetensors"
        var bytes = [UInt8]()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: data)
        try AtomicFile.write(bytes, to: path)
        return path
    }
}
