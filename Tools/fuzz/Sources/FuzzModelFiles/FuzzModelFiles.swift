// Fuzzes the model-file readers of the engine: config.json decoding and checks, safetensors headers and
// tensor reads, and whole-directory loading. Input: byte 0 picks the mode, then
//   0: a config.json text;
//   1: a safetensors file, every tensor of at most 2^20 elements read as f32;
//   2: a safetensors file loaded as the weights of a tiny model (`tinyConfig`; the seed corpus holds its
//      weights as `dispo model init --config` writes them).

import DispoEngine
import DispoSupport
import Foundation
import FuzzSupport

/// The model of mode 2 (Tools/fuzz/corpus/FuzzModelFiles/tiny-config.json holds the same text).
let tinyConfig = """
    {"model_type": "llama", "vocab_size": 8, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
     "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 32, "hidden_act": "silu"}
    """

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFiles(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let input = Scratch.bytes(data, size)
    let body = Array(input.dropFirst())
    let directory = Scratch.directory("model")
    switch input[0] % 3 {
    case 0:
        _ = try? ModelConfig.decode(Data(body), file: "config.json")
    case 1:
        Scratch.write(body, to: directory + "/model.safetensors")
        guard let file = try? SafetensorsFile(path: directory + "/model.safetensors") else { return 0 }
        for (name, entry) in file.entries {
            let (count, overflow) = entry.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: max(0, d))
                return (p, acc.1 || o)
            }
            guard !overflow, count <= 1 << 20 else { continue }
            let out = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            defer { out.deallocate() }
            _ = try? file.read(name, shape: entry.shape, into: out)
        }
    default:
        if FileSystem.kind(directory + "/config.json") != .regular { Scratch.write(Array(tinyConfig.utf8), to: directory + "/config.json") }
        Scratch.write(body, to: directory + "/model.safetensors")
        do { Scratch.note("loaded \(try Transformer.load(directory: directory).parameterCount) parameters") } catch { Scratch.note("\(error)") }
    }
    return 0
}
