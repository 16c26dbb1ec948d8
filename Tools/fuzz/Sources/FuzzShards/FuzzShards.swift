// Fuzzes the shard reader: manifest loading, shard file opening (header, footer, block table), block
// decoding, record layouts, verification, statistics and inspection. Input: byte 0 picks the mode, then
//   even: a shard file; its checksums are repaired and a matching manifest is written beside it;
//   odd:  a manifest.json, a 0 byte, then a shard file (checksums repaired), to fuzz the manifest too.

import DispoShards
import DispoSupport
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShards(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let input = Scratch.bytes(data, size)
    let directory = Scratch.directory("shards")
    var file: [UInt8]
    let manifest: String?
    if input[0] % 2 == 0 {
        file = Array(input.dropFirst())
        ShardRepair.repair(&file)
        manifest = ShardRepair.manifest(for: file)
    } else {
        let (text, rest) = Scratch.split(input.dropFirst())
        file = Array(rest ?? [])
        ShardRepair.repair(&file)
        manifest = String(decoding: text, as: UTF8.self)
    }
    Scratch.write(file, to: directory + "/shard-00000.dsh")
    Scratch.write(Array((manifest ?? "").utf8), to: directory + "/manifest.json")
    Scratch.note("verify: \(ShardSet.verify(directory: directory))")
    let set: ShardSet
    do { set = try ShardSet(directory: directory) } catch {
        Scratch.note("open: \(error)")
        return 0
    }
    Scratch.note("opened: \(set.count) records")
    _ = try? set.scan { _, record in _ = record.tokens.count }
    if set.count > 0 { _ = try? set.record(at: set.count - 1) }
    _ = try? ShardSetStats.compute(set)
    _ = try? ShardInspect.report(set, blocks: true)
    return 0
}
