// Fuzzes the model-file readers of the engine: config.json decoding and checks, safetensors headers and
// tensor reads, and whole-directory loading. Input: byte 0 picks the mode, then
//   0: a config.json text;
//   1: a safetensors file, every tensor of at most 2^20 elements read as f32;
//   2: a safetensors file loaded as the weights of the tiny model (Data/models/tiny-char/config.json).

import DispoEngine
import DispoSupport
import Foundation
import FuzzSupport

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
        let config = Repository.path("Data/models/tiny-char/config.json")
        if FileSystem.kind(directory + "/config.json") != .regular, let text = try? FileSystem.read(config) {
            Scratch.write(text, to: directory + "/config.json")
        }
        Scratch.write(body, to: directory + "/model.safetensors")
        _ = try? Transformer.load(directory: directory)
    }
    return 0
}
