// safetensors reading and writing: round trips, 16-bit conversions, and every kind of bad file.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class SafetensorsTests: XCTestCase {
    func test_model_save_and_load_round_trip_in_f32_and_bf16() throws {
        let model = tinyModel(family: "qwen2")
        for dtype in [TensorDType.f32, .bf16] {
            let dir = temporaryDirectory("roundtrip")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try model.save(directory: dir, dtype: dtype)
            let loaded = try Transformer.load(directory: dir)
            XCTAssertEqual(loaded.config, model.config)
            for i in 0..<model.parameterCount {
                let a = model.parameters.base[i], b = loaded.parameters.base[i]
                if dtype == .f32 { XCTAssertEqual(a, b) } else { XCTAssertEqual(a, b, accuracy: abs(a) / 128 + 1e-30) }
            }
            let file = try SafetensorsFile(path: dir + "/model.safetensors")
            XCTAssertEqual(file.metadata["format"], "pt")
            XCTAssertEqual(file.entries["model.layers.1.self_attn.k_proj.bias"]?.dtype, dtype.rawValue)
        }
    }

    func test_half_float_conversions() {
        XCTAssertEqual(HalfFloat.toFloat(0x3C00), 1)
        XCTAssertEqual(HalfFloat.toFloat(0xC000), -2)
        XCTAssertEqual(HalfFloat.toFloat(0x0001), 0x1p-24, "smallest subnormal")
        XCTAssertEqual(HalfFloat.toFloat(0x7BFF), 65504)
        XCTAssertEqual(HalfFloat.toFloat(0x7C00), .infinity)
        XCTAssertTrue(HalfFloat.toFloat(0x7E00).isNaN)
        XCTAssertEqual(HalfFloat.bf16(1), 0x3F80)
        XCTAssertEqual(HalfFloat.bf16(Float(bitPattern: 0x3F80_8000)), 0x3F80, "tie rounds to even")
        XCTAssertEqual(HalfFloat.bf16(Float(bitPattern: 0x3F81_8000)), 0x3F82, "tie rounds to even")
        XCTAssertEqual(HalfFloat.bf16(Float(bitPattern: 0x3F80_8001)), 0x3F81)
    }

    /// Writes a file with a hand-made header and data.
    func file(header: String, data: Int = 0, name: String = "x.safetensors") throws -> String {
        let path = temporaryDirectory("bad") + "/" + name
        var bytes = [UInt8]()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: data)
        try AtomicFile.write(bytes, to: path)
        return path
    }

    func assertInputError(_ body: @autoclosure () throws -> Any, contains: String, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertTrue(error is InputError, "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(contains), "\(error) lacks \(contains)", line: line)
        }
    }

    func test_bad_files_are_input_errors_naming_file_and_tensor() throws {
        assertInputError(try SafetensorsFile(path: try file(header: "{not json")), contains: "JSON")
        assertInputError(try SafetensorsFile(path: try file(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: 4)),
                         contains: "tensor a")
        assertInputError(try SafetensorsFile(path: try file(header: #"{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: 8)),
                         contains: "12 bytes")
        assertInputError(try SafetensorsFile(path: try file(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, data: 12)),
                         contains: "overlap")
        let tooBig = temporaryDirectory("bad") + "/big.safetensors"
        try AtomicFile.write([0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D], to: tooBig)
        assertInputError(try SafetensorsFile(path: tooBig), contains: "header size")
        let i64 = try SafetensorsFile(path: try file(header: #"{"a": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#, data: 8))
        var out: [Float] = [0]
        assertInputError(try i64.read("a", shape: [1], into: &out), contains: "I64")
        assertInputError(try i64.read("a", shape: [2], into: &out), contains: "shape [2]")
    }

    func test_model_directories_with_missing_unexpected_or_misshapen_tensors_are_rejected() throws {
        let model = tinyModel()
        let dir = temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.save(directory: dir)
        let views = model.layout.tensors
        func write(_ tensors: [Safetensors.Tensor]) throws {
            try Safetensors.write(tensors, dtype: .f32, to: dir + "/model.safetensors")
        }
        let all = views.map { Safetensors.Tensor(name: $0.name, shape: $0.shape, data: model.parameters[$0.offset]) }
        try write(Array(all.dropLast()))
        assertInputError(try Transformer.load(directory: dir), contains: "lm_head.weight")
        try write(all + [Safetensors.Tensor(name: "model.layers.9.extra", shape: [1], data: model.parameters.base)])
        assertInputError(try Transformer.load(directory: dir), contains: "model.layers.9.extra")
        var misshapen = all
        misshapen[2] = Safetensors.Tensor(name: views[2].name, shape: [views[2].count], data: model.parameters[views[2].offset])
        try write(misshapen)
        assertInputError(try Transformer.load(directory: dir), contains: views[2].name)
        try FileManager.default.removeItem(atPath: dir + "/model.safetensors")
        assertInputError(try Transformer.load(directory: dir), contains: "model.safetensors.index.json")
    }

    func test_sharded_index_must_agree_with_shards() throws {
        let src = Fixtures.root + "/llama_bias_tied_f16_sharded"
        let dir = temporaryDirectory("sharded")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in try FileManager.default.contentsOfDirectory(atPath: src) {
            try FileManager.default.copyItem(atPath: src + "/" + f, toPath: dir + "/" + f)
        }
        XCTAssertNoThrow(try Transformer.load(directory: dir))
        let indexPath = dir + "/model.safetensors.index.json"
        var index = try String(contentsOfFile: indexPath, encoding: .utf8)
        index = index.replacingOccurrences(of: #""model.norm.weight": "model-00002-of-00002.safetensors""#,
                                           with: #""model.norm.weight": "model-00001-of-00002.safetensors""#)
        try AtomicFile.write(index, to: indexPath)
        assertInputError(try Transformer.load(directory: dir), contains: "model.norm.weight")
    }
}
