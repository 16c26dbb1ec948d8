// Fuzzes the pipeline spec reader: the strict JSON parser, the strict Codable decoder, `--set` overrides
// and range validation (files are not checked). Input: a spec file, then optionally up to four `--set`
// assignments, each after a 0 byte.

import DispoPipeline
import DispoSupport
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Scratch.bytes(data, size)
    let (spec, first) = Scratch.split(input[...])
    var rest = first
    var overrides: [String] = []
    while let remaining = rest, overrides.count < 4 {
        let (one, next) = Scratch.split(remaining)
        overrides.append(String(decoding: one, as: UTF8.self))
        rest = next
    }
    let path = Scratch.directory("spec") + "/spec.json"
    Scratch.write(Array(spec), to: path)
    _ = try? PipelineSpec.load(path, overrides: overrides, checkFiles: false)
    return 0
}
